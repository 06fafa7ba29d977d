/**
 * Which readings one page of bulk history holds, decided before the first byte is sent (so the
 * next page's cursor can go in the headers): a list of segments, each one sensor's readings in
 * [from, to), in sensor order, together at most `limit` readings. A page ends before a time of
 * a sensor, never between readings sharing it (the lanes of a traffic counter), which is what
 * makes the (sensor, time) cursor exact.
 *
 * Raw readings are counted with bounded InfluxQL (a count over a sub-query with a LIMIT, so a
 * year-long sensor costs no more than the page), and the end found with `LIMIT 1 OFFSET n`.
 * Aggregates need no query: a segment has at most one row per period.
 */
import { type InfluxReader, literal, timeLiteral } from '../influx-read.js'
import { type FieldKind, MEASUREMENT } from '../mappings.js'
import { EVERY, type Every, type TimeRange } from '../params.js'
import type { BulkCursor } from './cursor.js'

export interface BulkSensor {
  id: string
  kind: FieldKind
}

export interface Segment {
  sensor: BulkSensor
  from: number
  to: number
}

export interface PagePlan {
  segments: Segment[]
  next?: BulkCursor
}

export interface PlanRequest {
  /** The sensors the caller may read that match the filters, sorted by id. */
  sensors: BulkSensor[]
  range: TimeRange
  every: Every
  limit: number
  cursor?: BulkCursor
}

/**
 * Where the page starts: the cursor's sensor (or the next one, if it has gone) at the cursor's
 * time, kept inside the range: a cursor is client input, and no time outside [from, to] may reach
 * InfluxQL (a cursor past `to` means that sensor is done).
 */
function startOf(req: PlanRequest): { index: number; time: number } {
  const { from, to } = req.range
  if (!req.cursor) return { index: 0, time: from }
  const { sensor, time } = req.cursor
  const index = req.sensors.findIndex((s) => s.id >= sensor)
  if (index < 0) return { index: req.sensors.length, time: from }
  return { index, time: req.sensors[index]!.id === sensor ? Math.min(Math.max(time, from), to) : from }
}

export function planPage(influx: InfluxReader, req: PlanRequest): Promise<PagePlan> {
  return req.every === 'raw' ? planRaw(influx, req) : Promise.resolve(planAggregates(req, EVERY[req.every].ms))
}

/** Periods of `every` that a segment [from, to) touches: the most rows its aggregate can have. */
function periods(from: number, to: number, ms: number): number {
  return Math.ceil((to - Math.floor(from / ms) * ms) / ms)
}

function planAggregates(req: PlanRequest, ms: number): PagePlan {
  const segments: Segment[] = []
  let { index, time } = startOf(req)
  let remaining = req.limit
  for (; index < req.sensors.length; index++, time = req.range.from) {
    const sensor = req.sensors[index]!
    if (time >= req.range.to) continue
    if (remaining === 0) return { segments, next: { sensor: sensor.id, time } }
    const n = periods(time, req.range.to, ms)
    if (n <= remaining) {
      segments.push({ sensor, from: time, to: req.range.to })
      remaining -= n
      continue
    }
    const split = Math.floor(time / ms) * ms + remaining * ms
    segments.push({ sensor, from: time, to: split })
    return { segments, next: { sensor: sensor.id, time: split } }
  }
  return { segments }
}

const where = (s: BulkSensor, from: number, to: number, op = '>=') =>
  `FROM "${MEASUREMENT[s.kind]}" WHERE "sensor" = ${literal(s.id)} AND time ${op} ${timeLiteral(from)} AND time < ${timeLiteral(to)}`

/** Counts of the next sensors' readings, each counted only up to `cap` (the page cannot hold more). */
async function cappedCounts(influx: InfluxReader, batch: { s: BulkSensor; from: number }[], to: number, cap: number) {
  const q = batch
    .map(({ s, from }) => `SELECT count("interval") AS n FROM (SELECT "interval" ${where(s, from, to)} LIMIT ${cap})`)
    .join('; ')
  const results = await influx.query(q)
  return batch.map((_, i) => Number(results[i]?.[0]?.n ?? 0))
}

/** The times of a sensor's first reading and of the one at `offset` (the first that does not fit). */
async function probe(influx: InfluxReader, s: BulkSensor, from: number, to: number, offset: number) {
  const base = `SELECT "interval" ${where(s, from, to)} ORDER BY time ASC LIMIT 1`
  const [first = [], end = []] = await influx.query(`${base}; ${base} OFFSET ${offset}`)
  return { first: first[0]?.time, end: end[0]?.time }
}

/** The time after `time` of this sensor's next reading, or the range's end. */
async function nextTime(influx: InfluxReader, s: BulkSensor, time: number, to: number): Promise<number> {
  const [rows = []] = await influx.query(`SELECT "interval" ${where(s, time, to, '>')} ORDER BY time ASC LIMIT 1`)
  return rows[0]?.time ?? to
}

async function planRaw(influx: InfluxReader, req: PlanRequest): Promise<PagePlan> {
  const { sensors, range } = req
  const segments: Segment[] = []
  let { index, time } = startOf(req)
  let remaining = req.limit
  let batchSize = 4
  while (index < sensors.length) {
    if (remaining === 0) return { segments, next: { sensor: sensors[index]!.id, time } }
    const batch = sensors.slice(index, index + batchSize).map((s, i) => ({ s, from: i === 0 ? time : range.from }))
    const counts = await cappedCounts(influx, batch, range.to, remaining + 1)
    for (const [i, { s, from }] of batch.entries()) {
      if (counts[i]! <= remaining) {
        if (counts[i]! > 0) segments.push({ sensor: s, from, to: range.to })
        remaining -= counts[i]!
        continue
      }
      return endInside(influx, req, segments, { s, from }, remaining)
    }
    index += batch.length
    time = range.from
    // Sparse sensors: count more of them per request.
    batchSize = Math.min(batchSize * 4, 256)
  }
  return { segments }
}

/** The page ends inside sensor `s`: before the time of its reading number `remaining`. */
async function endInside(
  influx: InfluxReader,
  req: PlanRequest,
  segments: Segment[],
  { s, from }: { s: BulkSensor; from: number },
  remaining: number,
): Promise<PagePlan> {
  const { to } = req.range
  const { first, end } = await probe(influx, s, from, to, remaining)
  if (first === undefined || end === undefined) throw new Error('bulk plan: a counted sensor has no readings')
  if (end > first) {
    segments.push({ sensor: s, from, to: end })
    return { segments, next: { sensor: s.id, time: end } }
  }
  // The readings at `first` alone are more than the page has room for.
  if (segments.length > 0) return { segments, next: { sensor: s.id, time: first } }
  const after = await nextTime(influx, s, first, to)
  segments.push({ sensor: s, from, to: after })
  if (after < to) return { segments, next: { sensor: s.id, time: after } }
  const following = req.sensors[req.sensors.indexOf(s) + 1]
  return following ? { segments, next: { sensor: following.id, time: req.range.from } } : { segments }
}
