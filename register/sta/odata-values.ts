/**
 * Values a $filter expression computes with, and how they compare (OGC 18-088 Table 22, after
 * OData 4.0): numbers, strings, booleans, null, time instants, time intervals, dates, geometries,
 * and `Multi`, the values of a to-many path (`Datastreams/name`), true when any of them is.
 *
 * A time interval (phenomenonTime is one: the reading's interval) against an instant t is compared
 * as a whole: `gt t` when it starts after t, `ge t` when it starts at or after t, `lt t` when it
 * ends before t, `le t` when it ends at or before t, `eq t` only when it starts and ends at t.
 */
import type { Geometry } from './geo.js'

export interface TimeV {
  k: 'time'
  ms: number
}
export interface IntervalV {
  k: 'interval'
  start: number
  end: number
}
export interface DateV {
  k: 'date'
  day: string
}
export interface GeoV {
  k: 'geo'
  g: Geometry
}
export interface Multi {
  k: 'multi'
  vs: Value[]
}
export type Value =
  | null
  | string
  | number
  | boolean
  | TimeV
  | IntervalV
  | DateV
  | GeoV
  | Multi
  | { [key: string]: unknown }

const tagged = (v: Value, k: string): boolean => typeof v === 'object' && v !== null && (v as { k?: unknown }).k === k
export const isTime = (v: Value): v is TimeV => tagged(v, 'time')
export const isInterval = (v: Value): v is IntervalV => tagged(v, 'interval')
export const isDate = (v: Value): v is DateV => tagged(v, 'date')
export const isGeo = (v: Value): v is GeoV => tagged(v, 'geo')
export const isMulti = (v: Value): v is Multi => tagged(v, 'multi')

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/** An ISO 8601 string as a time instant or interval value; anything else as it is. */
export function timeValue(s: unknown): Value {
  if (typeof s !== 'string') return (s ?? null) as Value
  const [a, b] = s.split('/')
  if (b !== undefined && ISO.test(a!) && ISO.test(b))
    return { k: 'interval', start: Date.parse(a!), end: Date.parse(b) }
  return ISO.test(s) ? { k: 'time', ms: Date.parse(s) } : s
}

/** Applies f to every combination of values (a Multi on either side fans out). */
export function fanOut(a: Value, b: Value, f: (x: Value, y: Value) => Value): Value {
  if (isMulti(a)) return { k: 'multi', vs: a.vs.map((x) => fanOut(x, b, f)) }
  if (isMulti(b)) return { k: 'multi', vs: b.vs.map((y) => fanOut(a, y, f)) }
  return f(a, b)
}

/** Truth of a value in a boolean context: a Multi is true when any of its values is. */
export function truthy(v: Value): boolean {
  return isMulti(v) ? v.vs.some(truthy) : v === true
}

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'

/** Instants of a time-like value: [start, end] (an instant has start = end). */
function instants(v: Value): [number, number] | undefined {
  if (isTime(v)) return [v.ms, v.ms]
  if (isInterval(v)) return [v.start, v.end]
  if (typeof v === 'string') {
    const t = timeValue(v)
    if (isTime(t) || isInterval(t)) return instants(t)
  }
  return undefined
}

function compareTimes(op: CompareOp, a: [number, number], b: [number, number]): boolean {
  switch (op) {
    case 'eq':
      return a[0] === b[0] && a[1] === b[1]
    case 'ne':
      return a[0] !== b[0] || a[1] !== b[1]
    case 'gt':
      return a[0] > b[1]
    case 'ge':
      return a[0] >= b[1]
    case 'lt':
      return a[1] < b[0]
    case 'le':
      return a[1] <= b[0]
  }
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** A scalar comparison; null compares equal only to null, and is neither greater nor less. */
export function compare(op: CompareOp, a: Value, b: Value): boolean {
  if (a === null || b === null) return op === 'eq' ? a === b : op === 'ne' ? a !== b : false
  const timeLike = (v: Value) => isTime(v) || isInterval(v)
  if (timeLike(a) || timeLike(b)) {
    if (isDate(a) || isDate(b))
      return ordered(op, isDate(a) ? a.day : dayOf(instants(a)![0]), isDate(b) ? b.day : dayOf(instants(b)![0]))
    const [x, y] = [instants(a), instants(b)]
    return x && y ? compareTimes(op, x, y) : false
  }
  if (isDate(a) || isDate(b)) return ordered(op, isDate(a) ? a.day : String(a), isDate(b) ? b.day : String(b))
  if (typeof a !== typeof b || typeof a === 'object') {
    return op === 'ne'
      ? JSON.stringify(a) !== JSON.stringify(b)
      : op === 'eq' && JSON.stringify(a) === JSON.stringify(b)
  }
  return ordered(op, a as string | number | boolean, b as string | number | boolean)
}

function ordered<T extends string | number | boolean>(op: CompareOp, a: T, b: T): boolean {
  switch (op) {
    case 'eq':
      return a === b
    case 'ne':
      return a !== b
    case 'gt':
      return a > b
    case 'ge':
      return a >= b
    case 'lt':
      return a < b
    case 'le':
      return a <= b
  }
}

/** Sort order of two scalar values ($orderby): nulls first, then by type's natural order. */
export function order(a: Value, b: Value): number {
  if (isMulti(a)) return order(a.vs[0] ?? null, b)
  if (isMulti(b)) return order(a, b.vs[0] ?? null)
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1
  const [x, y] = [instants(a), instants(b)]
  if (x && y) return x[0] - y[0] || x[1] - y[1]
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  const [s, t] = [isDate(a) ? a.day : String(a), isDate(b) ? b.day : String(b)]
  return s < t ? -1 : s > t ? 1 : 0
}
