/**
 * The geometry SensorThings filters need here: WKT literals (geography'POLYGON((...))', OGC
 * 06-103r4) as GeoJSON geometries, and the Simple Features relations between a point (every
 * Location and FeatureOfInterest of the register is a point) and any geometry, in the plane of
 * longitude and latitude. Relations between two non-point geometries are not implemented (501).
 */
import { StreetsenseError } from '../../core/index.js'
import { badParam } from '../params.js'

type Position = [number, number]
export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] }

const PARAM = '$filter'

/** A WKT literal as a geometry (an `SRID=4326;` prefix is allowed; other SRIDs are refused). */
export function parseWkt(wkt: string): Geometry {
  let text = wkt.trim()
  const srid = /^SRID=(\d+);/i.exec(text)
  if (srid) {
    if (srid[1] !== '4326') throw badParam(PARAM, `SRID ${srid[1]} is not supported: coordinates are WGS84 (4326)`)
    text = text.slice(srid[0].length)
  }
  const m = /^(POINT|MULTIPOINT|LINESTRING|MULTILINESTRING|POLYGON|MULTIPOLYGON)\s*(\(.*\))$/is.exec(text)
  if (!m) throw badParam(PARAM, `'${wkt}' is not a WKT POINT, LINESTRING, POLYGON or MULTI* geometry`)
  const type = m[1]!.toUpperCase()
  const nested = parseNested(m[2]!, wkt)
  // MULTIPOINT may be written (1 2, 3 4) or ((1 2), (3 4)).
  const flat = type === 'MULTIPOINT' && depthOf(nested) === 2 ? (nested as Position[][]).flat() : nested
  const depth = { POINT: 1, LINESTRING: 1, MULTIPOINT: 1, POLYGON: 2, MULTILINESTRING: 2, MULTIPOLYGON: 3 }[type]!
  if (depthOf(flat) !== depth || (type === 'POINT' && (flat as Position[]).length !== 1)) {
    throw badParam(PARAM, `'${wkt}' is not a well-formed ${type}`)
  }
  const coordinates = type === 'POINT' ? (flat as Position[])[0] : flat
  const geo = { type: GEOJSON_TYPE[type]!, coordinates } as Geometry
  if (geo.type === 'Polygon' || geo.type === 'MultiPolygon') checkRings(geo, wkt)
  return geo
}

const GEOJSON_TYPE: Record<string, Geometry['type']> = {
  POINT: 'Point',
  MULTIPOINT: 'MultiPoint',
  LINESTRING: 'LineString',
  MULTILINESTRING: 'MultiLineString',
  POLYGON: 'Polygon',
  MULTIPOLYGON: 'MultiPolygon',
}

/** "(1 2, 3 4)" -> [[1,2],[3,4]]; "((..),(..))" -> [[...],[...]]. */
function parseNested(text: string, wkt: string): unknown {
  const inner = text.trim()
  if (!inner.startsWith('(') || !inner.endsWith(')')) throw badParam(PARAM, `'${wkt}' has unbalanced parentheses`)
  const body = inner.slice(1, -1).trim()
  if (!body.startsWith('(')) {
    return body.split(',').map((pair) => {
      const nums = pair.trim().split(/\s+/).map(Number)
      if (nums.length !== 2 || nums.some((n) => !Number.isFinite(n))) {
        throw badParam(PARAM, `'${pair.trim()}' in '${wkt}' is not a position 'longitude latitude'`)
      }
      return nums as Position
    })
  }
  return splitTop(body, wkt).map((part) => parseNested(part, wkt))
}

function splitTop(body: string, wkt: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '(') depth++
    else if (body[i] === ')') depth--
    else if (body[i] === ',' && depth === 0) {
      parts.push(body.slice(start, i))
      start = i + 1
    }
    if (depth < 0) throw badParam(PARAM, `'${wkt}' has unbalanced parentheses`)
  }
  parts.push(body.slice(start))
  return parts
}

function depthOf(v: unknown): number {
  return Array.isArray(v) && Array.isArray(v[0]) ? 1 + depthOf(v[0]) : Array.isArray(v) ? 0 : -1
}

function checkRings(g: Extract<Geometry, { type: 'Polygon' | 'MultiPolygon' }>, wkt: string): void {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
  for (const ring of polygons.flat()) {
    const [a, b] = [ring[0]!, ring[ring.length - 1]!]
    if (ring.length < 4 || a[0] !== b[0] || a[1] !== b[1]) {
      throw badParam(PARAM, `a ring of '${wkt}' must be closed (first position = last) and have at least 4 positions`)
    }
  }
}

const EPS = 1e-12

function onSegment(p: Position, a: Position, b: Position): boolean {
  const cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
  if (Math.abs(cross) > EPS) return false
  return (
    p[0] >= Math.min(a[0], b[0]) - EPS &&
    p[0] <= Math.max(a[0], b[0]) + EPS &&
    p[1] >= Math.min(a[1], b[1]) - EPS &&
    p[1] <= Math.max(a[1], b[1]) + EPS
  )
}

function onRing(p: Position, ring: Position[]): boolean {
  return ring.some((a, i) => i > 0 && onSegment(p, ring[i - 1]!, a))
}

/** Ray casting: strictly inside the ring (the boundary is checked apart). */
function insideRing(p: Position, ring: Position[]): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!
    const [xj, yj] = ring[j]!
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

function samePosition(p: Position, q: Position): boolean {
  return Math.abs(q[0] - p[0]) <= EPS && Math.abs(q[1] - p[1]) <= EPS
}

/** Where a point lies against a geometry: in its interior, on its boundary, or outside. */
function locate(p: Position, g: Geometry): 'interior' | 'boundary' | 'exterior' {
  const same = (q: Position) => samePosition(p, q)
  switch (g.type) {
    case 'Point':
      return same(g.coordinates) ? 'interior' : 'exterior'
    case 'MultiPoint':
      return g.coordinates.some(same) ? 'interior' : 'exterior'
    case 'LineString':
      return locateOnLines(p, [g.coordinates], same)
    case 'MultiLineString':
      return locateOnLines(p, g.coordinates, same)
    case 'Polygon':
      return locateInPolygons(p, [g.coordinates])
    case 'MultiPolygon':
      return locateInPolygons(p, g.coordinates)
  }
}

function locateOnLines(p: Position, lines: Position[][], same: (q: Position) => boolean) {
  // A line's boundary is its two end points, unless it is closed (a ring has none).
  const closed = (l: Position[]) => l[0]![0] === l.at(-1)![0] && l[0]![1] === l.at(-1)![1]
  const ends = lines.flatMap((l) => (closed(l) ? [] : [l[0]!, l.at(-1)!]))
  if (ends.some(same)) return 'boundary'
  return lines.some((l) => onRing(p, l)) ? 'interior' : 'exterior'
}

function locateInPolygons(p: Position, polygons: Position[][][]) {
  for (const [outer, ...holes] of polygons) {
    if (!outer) continue
    if (onRing(p, outer) || holes.some((h) => onRing(p, h))) return 'boundary'
    if (insideRing(p, outer) && !holes.some((h) => insideRing(p, h))) return 'interior'
  }
  return 'exterior'
}

export type SpatialRelation =
  | 'intersects'
  | 'within'
  | 'contains'
  | 'equals'
  | 'disjoint'
  | 'touches'
  | 'overlaps'
  | 'crosses'

/** A Simple Features relation between two geometries of which at least one is a point (or 501). */
export function relate(rel: SpatialRelation, a: Geometry, b: Geometry): boolean {
  if (a.type === 'Point') return pointRelation(rel, a.coordinates, b)
  if (b.type === 'Point') {
    const inverse: Partial<Record<SpatialRelation, SpatialRelation>> = { within: 'contains', contains: 'within' }
    return pointRelation(inverse[rel] ?? rel, b.coordinates, a)
  }
  throw new StreetsenseError(
    'IOT_REGISTER_NOT_IMPLEMENTED',
    `st_${rel} of a ${a.type} and a ${b.type} is not implemented: one side must be a point (every location here is one)`,
    PARAM,
  )
}

/** The relation of point p (left) to geometry g (right). */
function pointRelation(rel: SpatialRelation, p: Position, g: Geometry): boolean {
  const where = locate(p, g)
  const gIsPoint = g.type === 'Point' || g.type === 'MultiPoint'
  switch (rel) {
    case 'intersects':
      return where !== 'exterior'
    case 'disjoint':
      return where === 'exterior'
    case 'within':
      return where === 'interior'
    case 'touches':
      return where === 'boundary'
    case 'equals':
    case 'contains':
      // A point contains (and equals) only the same point, or a multipoint of nothing but it.
      return gIsPoint && (g.type === 'Point' ? where === 'interior' : g.coordinates.every((q) => samePosition(p, q)))
    case 'overlaps':
    case 'crosses':
      // A single point neither overlaps nor crosses anything (Simple Features 6.1.15.3).
      return false
  }
}
