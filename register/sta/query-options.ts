/**
 * The system query options of OGC 18-088 9.3 ($top, $skip, $count, $filter, $orderby, $select,
 * $expand with nested options), parsed and checked against the entity set before anything is
 * read: a bad value is a 400 naming the option, an option this service does not implement a 501
 * (req/request-data/query-status-code), a parameter that is not a query option a 400.
 */
import { StreetsenseError } from '../../core/index.js'
import { badParam } from '../params.js'
import { NAVIGATION, PROPERTIES, type SetName } from './model.js'
import { type Expr, parseFilter, parseOrderBy } from './odata-parse.js'
import { checkExpr } from './paths.js'

export const DEFAULT_TOP = 100
/** The server-driven page size limit: a larger $top is replaced by it (req/request-data/top). */
export const MAX_TOP = 1000

export interface OrderItem {
  e: Expr
  desc: boolean
}

export interface QueryOptions {
  top: number
  skip: number
  count: boolean
  filter?: Expr
  orderby: OrderItem[]
  select?: string[]
  expand: Map<string, QueryOptions>
  skiptoken?: string
  /** The options as given, to build nextLinks. */
  given: Record<string, string>
}

const SUPPORTED = ['$top', '$skip', '$count', '$filter', '$orderby', '$select', '$expand', '$skiptoken']
const NESTED = ['$top', '$skip', '$count', '$filter', '$orderby', '$select', '$expand']

const notImplemented = (name: string) =>
  new StreetsenseError(
    'IOT_REGISTER_NOT_IMPLEMENTED',
    `${name} is not implemented; the query options served are ${SUPPORTED.filter((o) => o !== '$skiptoken').join(', ')}`,
    name,
  )

function integer(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw badParam(name, `must be a non-negative integer, not '${value}'`)
  return Number(value)
}

/** Options of a request's query string, or (depth > 0) of an $expand item. */
export function parseQueryOptions(query: Record<string, unknown>, set: SetName, depth = 0): QueryOptions {
  const nested = depth > 0
  const given: Record<string, string> = {}
  for (const [name, value] of Object.entries(query)) {
    if (!name.startsWith('$')) {
      throw badParam(name, `unknown parameter; SensorThings takes ${SUPPORTED.slice(0, -1).join(', ')}`)
    }
    if (!(nested ? NESTED : SUPPORTED).includes(name)) {
      if (nested) throw badParam(name, `is not allowed inside $expand (allowed: ${NESTED.join(', ')})`)
      throw notImplemented(name)
    }
    if (typeof value !== 'string') throw badParam(name, 'may be given once')
    given[name] = value
  }
  return {
    top: given.$top === undefined ? DEFAULT_TOP : Math.min(integer('$top', given.$top), MAX_TOP),
    skip: given.$skip === undefined ? 0 : integer('$skip', given.$skip),
    count: parseCount(given.$count),
    filter: given.$filter === undefined ? undefined : checked(set, parseFilter(given.$filter), '$filter'),
    orderby: given.$orderby === undefined ? [] : parseOrderBy(given.$orderby).map((o) => checkedOrder(set, o)),
    select: given.$select === undefined ? undefined : parseSelect(set, given.$select),
    expand: given.$expand === undefined ? new Map() : parseExpand(set, given.$expand, depth + 1),
    skiptoken: given.$skiptoken,
    given,
  }
}

function parseCount(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false
  if (value === 'true') return true
  throw badParam('$count', `must be true or false, not '${value}'`)
}

function checked(set: SetName, e: Expr, param: string): Expr {
  checkExpr(set, e, param)
  return e
}

function checkedOrder(set: SetName, o: OrderItem): OrderItem {
  checkExpr(set, o.e, '$orderby')
  return o
}

function parseSelect(set: SetName, text: string): string[] {
  const names = text.split(',').map((s) => s.trim())
  const known = [...PROPERTIES[set], ...Object.keys(NAVIGATION[set]), 'id', '@iot.id', '@iot.selfLink']
  for (const n of names) {
    if (!known.includes(n)) throw badParam('$select', `${set} has no property '${n}' (it has ${known.join(', ')})`)
  }
  return names
}

/** Splits at `sep` outside parentheses and quotes. */
export function splitTop(text: string, sep: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quoted = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === "'") quoted = !quoted
    else if (!quoted && c === '(') depth++
    else if (!quoted && c === ')') depth--
    else if (!quoted && depth === 0 && c === sep) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts.map((p) => p.trim())
}

/** Deepest $expand served (Things/Datastreams/Observations/FeatureOfInterest is 4). */
const MAX_EXPAND_DEPTH = 8

/** `Datastreams($top=2;$expand=Observations($top=1)),Locations/HistoricalLocations` -> nav -> options. */
function parseExpand(set: SetName, text: string, depth = 1): Map<string, QueryOptions> {
  if (depth > MAX_EXPAND_DEPTH) throw badParam('$expand', `nested deeper than ${MAX_EXPAND_DEPTH} levels`)
  const out = new Map<string, QueryOptions>()
  for (const item of splitTop(text, ',')) {
    const m = /^([A-Za-z/]+)(?:\((.*)\))?$/s.exec(item)
    if (!m) throw badParam('$expand', `'${item}' is not a navigation path with optional (options)`)
    const [head, ...rest] = m[1]!.split('/')
    const nav = NAVIGATION[set][head!]
    if (!nav)
      throw badParam(
        '$expand',
        `${set} has no navigation property '${head}' (it has ${Object.keys(NAVIGATION[set]).join(', ')})`,
      )
    const inner = rest.length > 0 ? `${rest.join('/')}${m[2] !== undefined ? `(${m[2]})` : ''}` : undefined
    const options = rest.length > 0 ? {} : expandOptions(m[2])
    const merged = mergeExpand(out.get(head!), parseQueryOptions(options, nav.target, depth + 1))
    if (inner) for (const [k, v] of parseExpand(nav.target, inner, depth + 1)) merged.expand.set(k, v)
    out.set(head!, merged)
  }
  return out
}

function expandOptions(text: string | undefined): Record<string, string> {
  if (text === undefined) return {}
  const options: Record<string, string> = {}
  for (const part of splitTop(text, ';')) {
    const eq = part.indexOf('=')
    if (eq < 1) throw badParam('$expand', `'${part}' is not an option=value pair`)
    const name = part.slice(0, eq).trim()
    if (options[name] !== undefined) throw badParam('$expand', `${name} is given twice`)
    options[name] = part.slice(eq + 1)
  }
  return options
}

function mergeExpand(existing: QueryOptions | undefined, next: QueryOptions): QueryOptions {
  if (!existing) return next
  for (const [k, v] of next.expand) existing.expand.set(k, v)
  return existing
}
