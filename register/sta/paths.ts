/**
 * Property paths in $filter and $orderby (`name`, `properties/borough`, `Datastream/Thing/name`,
 * `Locations/location`): checked against the data model before anything is evaluated (an unknown
 * name is a 400 listing the known ones), then resolved on one entity at a time.
 */
import { StreetsenseError } from '../../core/index.js'
import { badParam } from '../params.js'
import type { Catalog } from './catalog.js'
import { parseWkt } from './geo.js'
import { type Entity, GEO_PROPERTIES, NAVIGATION, PROPERTIES, type SetName, TIME_PROPERTIES } from './model.js'
import { checkFunction } from './odata-functions.js'
import type { Expr } from './odata-parse.js'
import { timeValue, type Value } from './odata-values.js'

/** Properties whose value is a JSON object a path may go into. */
const OBJECT_PROPERTIES = new Set([
  'properties',
  'unitOfMeasurement',
  'parameters',
  'resultQuality',
  'location',
  'feature',
])

const isId = (seg: string) => seg === 'id' || seg === '@iot.id'

/** Checks a path from an entity set; `param` names the query option in errors. */
export function checkPath(set: SetName, segs: readonly string[], param: string): void {
  let current = set
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!
    const nav = NAVIGATION[current][seg]
    if (isId(seg)) {
      if (i < segs.length - 1) throw badParam(param, `${segs.join('/')}: nothing follows ${seg}`)
      return
    }
    if (nav) {
      if (nav.target === 'Observations') {
        throw new StreetsenseError(
          'IOT_REGISTER_NOT_IMPLEMENTED',
          `${param}: ${segs.join('/')}: filtering or ordering ${set} by their Observations is not implemented; query Observations with a $filter on Datastream/... instead`,
          param,
        )
      }
      current = nav.target
      continue
    }
    if (!PROPERTIES[current].includes(seg)) {
      const known = [...PROPERTIES[current], 'id', ...Object.keys(NAVIGATION[current])]
      throw badParam(param, `${segs.join('/')}: ${current} has no property ${seg} (it has ${known.join(', ')})`)
    }
    if (i < segs.length - 1 && !OBJECT_PROPERTIES.has(seg)) {
      throw badParam(param, `${segs.join('/')}: ${seg} is not an object, so nothing can follow it`)
    }
    return
  }
  throw badParam(param, `${segs.join('/')} ends at a navigation property: name a property of ${current}`)
}

/** Checks every path, function and geometry literal of an expression. */
export function checkExpr(set: SetName, e: Expr, param: string): void {
  if (e.t === 'path') checkPath(set, e.segs, param)
  else if (e.t === 'fn') {
    checkFunction(e.name, e.args.length)
    for (const a of e.args) checkExpr(set, a, param)
  } else if (e.t === 'bin') {
    checkExpr(set, e.l, param)
    checkExpr(set, e.r, param)
  } else if (e.t === 'not') checkExpr(set, e.e, param)
  else if (e.lit.k === 'geo') parseWkt(e.lit.wkt)
}

function propertyValue(entity: Entity, segs: readonly string[]): Value {
  const [name, ...rest] = segs as [string, ...string[]]
  let v: unknown = entity.body[name]
  if (rest.length === 0) {
    if (TIME_PROPERTIES.has(name)) return timeValue(v)
    if (GEO_PROPERTIES.has(name) && v && typeof v === 'object') {
      const g =
        (v as { type?: string; geometry?: unknown }).type === 'Feature' ? (v as { geometry: unknown }).geometry : v
      return { k: 'geo', g: g as never }
    }
  }
  for (const s of rest)
    v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[s] : undefined
  return (v ?? null) as Value
}

/** The value at a (checked) path of an entity; a to-many navigation gives a Multi. */
export function resolvePath(catalog: Catalog, entity: Entity, segs: readonly string[]): Value {
  const [seg, ...rest] = segs as [string, ...string[]]
  if (isId(seg)) return entity.id
  const nav = NAVIGATION[entity.set][seg]
  if (!nav) return propertyValue(entity, segs)
  const values = catalog.related(entity, seg).map((r) => resolvePath(catalog, r, rest))
  return nav.many ? { k: 'multi', vs: values } : (values[0] ?? null)
}
