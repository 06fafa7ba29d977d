/**
 * Parsing and bounding of query parameters; every failure names the parameter
 * (IOT_REGISTER_BAD_PARAM). Nothing unbounded reaches InfluxQL: times stay within what InfluxDB
 * can store, cursors are checked like any other input.
 */
import { StreetsenseError } from '../core/index.js'
import { resolveBorough, STORABLE_TIME_MS, unknownBoroughMessage } from '../schemas/index.js'

export const EVERY = {
  raw: { ms: 0, maxRangeDays: 7 },
  '15m': { ms: 15 * 60_000, maxRangeDays: 31 },
  '1h': { ms: 3_600_000, maxRangeDays: 366 },
  '1d': { ms: 86_400_000, maxRangeDays: 3660 },
} as const
export type Every = keyof typeof EVERY

export const DEFAULT_LIMIT = 1000
export const MAX_LIMIT = 10_000

/**
 * `?borough=Camden` (or "city of london", "Kensington & Chelsea") becomes its code before the
 * route's schema sees it, so every route takes names; an unknown borough is a 400 listing them all.
 */
export function resolveBoroughQuery(query: unknown): void {
  const q = query as Record<string, unknown> | undefined
  if (!q || typeof q.borough !== 'string' || q.borough === '') return
  const code = resolveBorough(q.borough)
  if (!code) throw badParam('borough', unknownBoroughMessage(q.borough))
  q.borough = code
}

export function parseTime(param: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  // Dates and RFC 3339 instants only: Date.parse alone accepts too much.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)) {
    throw badParam(param, 'must be an RFC 3339 time (2026-05-01T12:00:00Z) or a date (2026-05-01)')
  }
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value)
  if (Number.isNaN(ms)) throw badParam(param, 'is not a valid time')
  return storable(param, ms)
}

const STORABLE_RANGE = `${new Date(STORABLE_TIME_MS.from).toISOString()} to ${new Date(STORABLE_TIME_MS.to).toISOString()}`

/** A time InfluxDB can hold (outside it no reading can exist, and InfluxQL refuses the literal). */
function storable(param: string, ms: number): number {
  if (ms < STORABLE_TIME_MS.from || ms > STORABLE_TIME_MS.to) {
    throw badParam(param, `must be between ${STORABLE_RANGE}`)
  }
  return ms
}

export function parseEvery(value: string | undefined): Every {
  const every = value ?? '1h'
  if (!Object.hasOwn(EVERY, every)) throw badParam('every', `must be one of ${Object.keys(EVERY).join(', ')}`)
  return every as Every
}

export interface TimeRange {
  from: number
  to: number
}

/** from/to defaults: the last 24 h; the range must be positive and within the limit for `every`. */
export function parseRange(query: { from?: string; to?: string }, every: Every, now = Date.now()): TimeRange {
  const to = parseTime('to', query.to, now)
  const from = parseTime('from', query.from, to - 86_400_000)
  if (from >= to) throw badParam('from', 'must be before to')
  const maxDays = EVERY[every].maxRangeDays
  if (to - from > maxDays * 86_400_000) {
    throw badParam('to', `range too long for every=${every}: at most ${maxDays} days`)
  }
  return { from, to }
}

export function parseLimit(value: string | number | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LIMIT
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw badParam('limit', `must be an integer 1..${MAX_LIMIT}`)
  return n
}

/** Keyset cursor: the last time returned and how many rows at that time were already returned. */
export interface Cursor {
  t: number
  k: number
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url')
}

/**
 * A cursor is client input like any other: its time must be one InfluxDB can hold, and `k` (rows
 * already returned at that time) at most one page, so it cannot stretch a query's LIMIT.
 */
export function parseCursor(value: string | undefined): Cursor | undefined {
  if (value === undefined || value === '') return undefined
  try {
    const c = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Cursor
    const inRange = Number.isSafeInteger(c.t) && c.t >= STORABLE_TIME_MS.from && c.t <= STORABLE_TIME_MS.to
    if (inRange && Number.isSafeInteger(c.k) && c.k >= 1 && c.k <= MAX_LIMIT) return { t: c.t, k: c.k }
  } catch {
    // fall through to the error below
  }
  throw badParam('cursor', 'is not a cursor returned by this API')
}

const MAX_SENSORS_LISTED = 100

/** `sensor=a,b,c`: at most 100 sensor ids. */
export function parseSensorIds(value: string | undefined): Set<string> | undefined {
  if (value === undefined || value === '') return undefined
  const ids = value.split(',').map((s) => s.trim())
  if (ids.length > MAX_SENSORS_LISTED) throw badParam('sensor', `at most ${MAX_SENSORS_LISTED} sensor ids`)
  const bad = ids.find((id) => !/^[A-Za-z0-9._:-]{1,64}$/.test(id))
  if (bad !== undefined) throw badParam('sensor', `"${bad}" is not a sensor id`)
  return new Set(ids)
}

export interface BBox {
  minLon: number
  minLat: number
  maxLon: number
  maxLat: number
}

export function parseBBox(value: string | undefined): BBox | undefined {
  if (value === undefined || value === '') return undefined
  const parts = value.split(',').map((p) => Number(p.trim()))
  if (parts.length !== 4 || parts.some((p) => !Number.isFinite(p))) {
    throw badParam('bbox', 'must be minLon,minLat,maxLon,maxLat')
  }
  const [minLon, minLat, maxLon, maxLat] = parts as [number, number, number, number]
  if (minLon > maxLon || minLat > maxLat) throw badParam('bbox', 'min must not exceed max')
  if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90) throw badParam('bbox', 'out of WGS84 range')
  return { minLon, minLat, maxLon, maxLat }
}

export function inBBox(coords: readonly unknown[], box: BBox): boolean {
  const [lon, lat] = coords as [number, number]
  return lon >= box.minLon && lon <= box.maxLon && lat >= box.minLat && lat <= box.maxLat
}

export function parseDate(param: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') {
    const d = new Date(fallback)
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw badParam(param, 'must be a date YYYY-MM-DD')
  }
  const day = storable(param, Date.parse(`${value}T00:00:00Z`))
  storable(param, day + 86_400_000 - 1)
  return day
}

/** A 400 naming the parameter at fault (the message starts with it). */
export function badParam(param: string, message: string): StreetsenseError {
  return new StreetsenseError('IOT_REGISTER_BAD_PARAM', `${param}: ${message}`, param)
}
