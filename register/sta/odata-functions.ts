/**
 * The built-in query functions of OGC 18-088 Table 23 (OData 4.0 canonical functions, with
 * zero-based indexof and substring as OData defines them), and the spatial ones on points.
 * Known functions this service does not implement are a 501 naming them; unknown names a 400.
 */
import { StreetsenseError } from '../../core/index.js'
import { badParam } from '../params.js'
import { relate, type SpatialRelation } from './geo.js'
import { fanOut, isGeo, isInterval, isMulti, isTime, timeValue, type Value } from './odata-values.js'

type Fn = (args: Value[], now: number) => Value

const str = (v: Value): string | null => (typeof v === 'string' ? v : null)
const num = (v: Value): number | null => (typeof v === 'number' ? v : null)

/** A function of one or two scalar arguments, fanned out over to-many paths. */
const unary =
  (f: (a: Value) => Value): Fn =>
  ([a]) =>
    isMulti(a!) ? { k: 'multi', vs: a.vs.map(f) } : f(a!)
const binary =
  (f: (a: Value, b: Value) => Value): Fn =>
  ([a, b]) =>
    fanOut(a!, b!, f)

/** The instant a time function reads: an instant, or the start of an interval. */
function instant(v: Value): Date | null {
  const t = typeof v === 'string' ? timeValue(v) : v
  if (isTime(t)) return new Date(t.ms)
  if (isInterval(t)) return new Date(t.start)
  return null
}
const timePart = (f: (d: Date) => Value) => unary((v) => (instant(v) ? f(instant(v)!) : null))

const strings: Record<string, [arity: number[], Fn]> = {
  substringof: [[2], binary((a, b) => (str(a) !== null && str(b) !== null ? str(b)!.includes(str(a)!) : null))],
  contains: [[2], binary((a, b) => (str(a) !== null && str(b) !== null ? str(a)!.includes(str(b)!) : null))],
  startswith: [[2], binary((a, b) => (str(a) !== null && str(b) !== null ? str(a)!.startsWith(str(b)!) : null))],
  endswith: [[2], binary((a, b) => (str(a) !== null && str(b) !== null ? str(a)!.endsWith(str(b)!) : null))],
  length: [[1], unary((a) => (str(a) === null ? null : [...str(a)!].length))],
  indexof: [[2], binary((a, b) => (str(a) !== null && str(b) !== null ? str(a)!.indexOf(str(b)!) : null))],
  tolower: [[1], unary((a) => str(a)?.toLowerCase() ?? null)],
  toupper: [[1], unary((a) => str(a)?.toUpperCase() ?? null)],
  trim: [[1], unary((a) => str(a)?.trim() ?? null)],
  concat: [[2], binary((a, b) => (str(a) !== null && str(b) !== null ? str(a)! + str(b)! : null))],
  substring: [
    [2, 3],
    ([s, start, len]) => {
      if (str(s!) === null || num(start!) === null) return null
      const from = Math.max(0, num(start!)!)
      return len === undefined
        ? str(s!)!.slice(from)
        : num(len) === null
          ? null
          : str(s!)!.slice(from, from + num(len)!)
    },
  ],
}

const times: Record<string, [number[], Fn]> = {
  year: [[1], timePart((d) => d.getUTCFullYear())],
  month: [[1], timePart((d) => d.getUTCMonth() + 1)],
  day: [[1], timePart((d) => d.getUTCDate())],
  hour: [[1], timePart((d) => d.getUTCHours())],
  minute: [[1], timePart((d) => d.getUTCMinutes())],
  second: [[1], timePart((d) => d.getUTCSeconds())],
  fractionalseconds: [[1], timePart((d) => d.getUTCMilliseconds() / 1000)],
  date: [[1], timePart((d) => ({ k: 'date', day: d.toISOString().slice(0, 10) }))],
  time: [[1], timePart((d) => d.toISOString().slice(11, 23))],
  // Every time here is UTC.
  totaloffsetminutes: [[1], timePart(() => 0)],
  now: [[0], (_args, now) => ({ k: 'time', ms: now })],
  mindatetime: [[0], () => ({ k: 'time', ms: Date.parse('0001-01-01T00:00:00Z') })],
  maxdatetime: [[0], () => ({ k: 'time', ms: Date.parse('9999-12-31T23:59:59.999Z') })],
  round: [[1], unary((a) => (num(a) === null ? null : Math.round(num(a)!)))],
  floor: [[1], unary((a) => (num(a) === null ? null : Math.floor(num(a)!)))],
  ceiling: [[1], unary((a) => (num(a) === null ? null : Math.ceil(num(a)!)))],
}

const spatial = (rel: SpatialRelation): [number[], Fn] => [
  [2],
  binary((a, b) => (isGeo(a) && isGeo(b) ? relate(rel, a.g, b.g) : null)),
]

const FUNCTIONS: Record<string, [number[], Fn]> = {
  ...strings,
  ...times,
  'geo.intersects': spatial('intersects'),
  st_intersects: spatial('intersects'),
  st_within: spatial('within'),
  st_contains: spatial('contains'),
  st_equals: spatial('equals'),
  st_disjoint: spatial('disjoint'),
  st_touches: spatial('touches'),
  st_overlaps: spatial('overlaps'),
  st_crosses: spatial('crosses'),
}

/** In OGC 18-088 Table 23 but not served here, and why. */
const NOT_IMPLEMENTED: Record<string, string> = {
  'geo.distance':
    'its unit (degrees or metres) differs between implementations; use geo.intersects or st_within with a polygon',
  'geo.length': 'no location here is a line',
  st_relate: 'DE-9IM patterns are not implemented; use the named st_ relations',
}

export const SUPPORTED_FUNCTIONS = Object.keys(FUNCTIONS)

/** Checks a call's name and number of arguments (before any entity is evaluated). */
export function checkFunction(name: string, argc: number): void {
  const why = NOT_IMPLEMENTED[name]
  if (why)
    throw new StreetsenseError(
      'IOT_REGISTER_NOT_IMPLEMENTED',
      `$filter: ${name}() is not implemented: ${why}`,
      '$filter',
    )
  const fn = FUNCTIONS[name]
  if (!fn) throw badParam('$filter', `unknown function ${name}(); supported: ${SUPPORTED_FUNCTIONS.join(', ')}`)
  if (!fn[0].includes(argc)) throw badParam('$filter', `${name}() takes ${fn[0].join(' or ')} argument(s), not ${argc}`)
}

export function callFunction(name: string, args: Value[], now: number): Value {
  checkFunction(name, args.length)
  return FUNCTIONS[name]![1](args, now)
}
