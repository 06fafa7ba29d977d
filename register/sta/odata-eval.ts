/**
 * Evaluates a $filter / $orderby expression against one entity. Property paths are resolved by
 * the caller (`resolve`), so the same evaluator serves every entity set; the built-in functions
 * of OGC 18-088 Table 23 are in odata-functions.ts.
 */

import { parseWkt } from './geo.js'
import { callFunction } from './odata-functions.js'
import type { Expr, Literal } from './odata-parse.js'
import { type CompareOp, compare, fanOut, isMulti, truthy, type Value } from './odata-values.js'

export interface EvalContext {
  /** The value at a property path of the entity (a Multi for a to-many navigation). */
  resolve(segs: string[]): Value
  /** "now" for now(); the request's clock. */
  now: number
}

const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le'])

export function literalValue(lit: Literal): Value {
  switch (lit.k) {
    case 'str':
    case 'num':
    case 'bool':
      return lit.v
    case 'null':
      return null
    case 'time':
      return { k: 'time', ms: lit.v }
    case 'date':
      return { k: 'date', day: lit.v }
    case 'geo':
      return { k: 'geo', g: parseWkt(lit.wkt) }
  }
}

export function evaluate(e: Expr, ctx: EvalContext): Value {
  switch (e.t) {
    case 'lit':
      return literalValue(e.lit)
    case 'path':
      return ctx.resolve(e.segs)
    case 'not':
      return !truthy(evaluate(e.e, ctx))
    case 'fn':
      return callFunction(
        e.name,
        e.args.map((a) => evaluate(a, ctx)),
        ctx.now,
      )
    case 'bin':
      return binary(e.op, e.l, e.r, ctx)
  }
}

function binary(op: Extract<Expr, { t: 'bin' }>['op'], l: Expr, r: Expr, ctx: EvalContext): Value {
  if (op === 'and') return truthy(evaluate(l, ctx)) && truthy(evaluate(r, ctx))
  if (op === 'or') return truthy(evaluate(l, ctx)) || truthy(evaluate(r, ctx))
  const a = evaluate(l, ctx)
  const b = evaluate(r, ctx)
  if (COMPARE.has(op)) return fanOut(a, b, (x, y) => compare(op as CompareOp, x, y))
  return fanOut(a, b, (x, y) => arithmetic(op, x, y))
}

function arithmetic(op: string, x: Value, y: Value): Value {
  if (typeof x !== 'number' || typeof y !== 'number') return null
  switch (op) {
    case 'add':
      return x + y
    case 'sub':
      return x - y
    case 'mul':
      return x * y
    case 'div':
      return y === 0 ? null : x / y
    case 'mod':
      return y === 0 ? null : x % y
  }
  return null
}

/** Whether an entity passes a filter (a Multi result passes when any of its values is true). */
export function passes(filter: Expr | undefined, ctx: EvalContext): boolean {
  if (!filter) return true
  const v = evaluate(filter, ctx)
  return isMulti(v) ? truthy(v) : v === true
}
