/**
 * The part of an Observations $filter InfluxDB can evaluate, as an InfluxQL condition on one
 * field: comparisons of `result` (with add/sub/mul/div/mod by numbers) and of phenomenonTime and
 * resultTime with time literals, joined by and/or/not. A condition is `exact` when it selects
 * exactly the matching rows; otherwise it selects a superset (phenomenonTime lt t needs the
 * interval's end, which InfluxDB does not store: `time < t` is pushed down) and the full filter
 * is evaluated again on every row read.
 */
import type { BinaryOp, Expr } from './odata-parse.js'

export interface Pushdown {
  /** An InfluxQL condition, or none when nothing could be pushed down. */
  sql?: string
  exact: boolean
}

/** Readings' intervals are at most a day (reading schema), so an interval's end is within a day of its start. */
const MAX_INTERVAL_MS = 86_400_000

const SQL_OP: Partial<Record<BinaryOp, string>> = { eq: '=', ne: '!=', gt: '>', ge: '>=', lt: '<', le: '<=' }
const ARITH: Partial<Record<BinaryOp, string>> = { add: '+', sub: '-', mul: '*', div: '/', mod: '%' }
const FLIP: Partial<Record<BinaryOp, BinaryOp>> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' }
const NEGATE: Partial<Record<BinaryOp, BinaryOp>> = { eq: 'ne', ne: 'eq', gt: 'le', ge: 'lt', lt: 'ge', le: 'gt' }

const NONE: Pushdown = { exact: false }

/** A number InfluxQL reads back as the same number (no exponent form). */
function numberSql(n: number): string | undefined {
  const s = String(n)
  return Number.isFinite(n) && !/e/i.test(s) ? s : undefined
}

const isPath = (e: Expr, name: string) => e.t === 'path' && e.segs.length === 1 && e.segs[0] === name

/** `result`, or arithmetic of it with numbers, as an InfluxQL expression of the field. */
function resultSql(e: Expr, field: string): string | undefined {
  if (isPath(e, 'result')) return `"${field}"`
  if (e.t === 'lit' && e.lit.k === 'num') return numberSql(e.lit.v)
  if (e.t !== 'bin' || !ARITH[e.op]) return undefined
  const l = resultSql(e.l, field)
  const r = resultSql(e.r, field)
  return l && r ? `(${l} ${ARITH[e.op]} ${r})` : undefined
}

const mentionsResult = (e: Expr): boolean =>
  isPath(e, 'result') || (e.t === 'bin' && (mentionsResult(e.l) || mentionsResult(e.r)))

/** phenomenonTime (an interval starting at `time`) or resultTime (its end) against an instant. */
function timeSql(prop: 'phenomenonTime' | 'resultTime', op: BinaryOp, t: number): Pushdown {
  const at = (ms: number) => `${Math.trunc(ms)}ms`
  if (prop === 'phenomenonTime') {
    if (op === 'gt') return { sql: `time > ${at(t)}`, exact: true }
    if (op === 'ge') return { sql: `time >= ${at(t)}`, exact: true }
    if (op === 'lt' || op === 'le') return { sql: `time < ${at(t)}`, exact: false }
    if (op === 'eq') return { sql: `time = ${at(t)}`, exact: false }
    return NONE
  }
  if (op === 'gt' || op === 'ge') return { sql: `time >= ${at(t - MAX_INTERVAL_MS)}`, exact: false }
  if (op === 'lt' || op === 'le') return { sql: `time < ${at(t)}`, exact: false }
  if (op === 'eq') return { sql: `time >= ${at(t - MAX_INTERVAL_MS)} AND time < ${at(t)}`, exact: false }
  return NONE
}

function comparison(op: BinaryOp, l: Expr, r: Expr, field: string): Pushdown {
  if (r.t !== 'lit' && l.t === 'lit') return comparison(FLIP[op]!, r, l, field)
  if (r.t === 'lit' && r.lit.k === 'time' && l.t === 'path' && l.segs.length === 1) {
    const prop = l.segs[0]
    if (prop === 'phenomenonTime' || prop === 'resultTime') return timeSql(prop, op, r.lit.v)
  }
  if (r.t === 'lit' && r.lit.k === 'num' && mentionsResult(l)) {
    const lhs = resultSql(l, field)
    const rhs = numberSql(r.lit.v)
    if (lhs && rhs) return { sql: `${lhs} ${SQL_OP[op]} ${rhs}`, exact: true }
  }
  return NONE
}

export function pushdown(e: Expr | undefined, field: string): Pushdown {
  if (!e) return { exact: true }
  if (e.t === 'not') {
    const inner = negated(e.e)
    return inner ? pushdown(inner, field) : NONE
  }
  if (e.t !== 'bin') return NONE
  if (e.op === 'and' || e.op === 'or') {
    const l = pushdown(e.l, field)
    const r = pushdown(e.r, field)
    const exact = l.exact && r.exact
    if (e.op === 'or') return l.sql && r.sql ? { sql: `(${l.sql}) OR (${r.sql})`, exact } : NONE
    const parts = [l.sql, r.sql].filter((s) => s !== undefined)
    return { ...(parts.length > 0 ? { sql: parts.map((p) => `(${p})`).join(' AND ') } : {}), exact }
  }
  return SQL_OP[e.op] ? comparison(e.op, e.l, e.r, field) : NONE
}

/** `not` pushed through: comparisons invert (non-null rows only are read), and/or by De Morgan. */
function negated(e: Expr): Expr | undefined {
  if (e.t === 'not') return e.e
  if (e.t !== 'bin') return undefined
  if (e.op === 'and' || e.op === 'or') {
    const l = negated(e.l)
    const r = negated(e.r)
    return l && r ? { t: 'bin', op: e.op === 'and' ? 'or' : 'and', l, r } : undefined
  }
  const inverse = NEGATE[e.op]
  // Only exact comparisons may be inverted: the inverse of a superset is not a superset.
  return inverse && pushdown(e, '_').exact && pushdown(e, '_').sql
    ? { t: 'bin', op: inverse, l: e.l, r: e.r }
    : undefined
}
