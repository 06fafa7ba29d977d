/**
 * The readings of a planned page, read from InfluxDB as they stream (one statement per segment,
 * chunked), in the order (sensor, time, lane, direction). Only one chunk is held at a time, plus
 * the readings sharing the chunk's last time (at most the lanes of one counter). Aggregates are
 * the data-quality work's honest aggregates (register/quality/aggregates.ts), a segment at a time
 * (a segment holds at most `limit` periods).
 */

import { type InfluxReader, literal, timeLiteral } from '../influx-read.js'
import type { RowChunk } from '../influx-stream.js'
import { type FieldKind, MEASUREMENT } from '../mappings.js'
import type { Every } from '../params.js'
import { type AggregateEvery, type AggregateRow, aggregateRows, type SensorQuality } from '../quality/aggregates.js'
import { type ApiReading, toApiReading } from '../queries.js'
import type { PagePlan, Segment } from './plan.js'

/** A reading (or an aggregate row) of bulk history as the per-sensor API shows it, with whose it is. */
export type BulkReading = { sensor: string; borough: string; kind: FieldKind } & ApiReading & Partial<AggregateRow>

export interface ReadOptions {
  every: Every
  /** The status of each raw reading (the data-quality vocabulary: raw, provisional, ratified). */
  judge(sensor: string, readings: ApiReading[]): ApiReading[]
  /** Only readings of this status. */
  status?: string
  /** The sensor's borough in the register. */
  boroughOf(sensor: string): string
}

function statement(seg: Segment): string {
  const { kind, id } = seg.sensor
  const where = `WHERE "sensor" = ${literal(id)} AND time >= ${timeLiteral(seg.from)} AND time < ${timeLiteral(seg.to)}`
  return `SELECT * FROM "${MEASUREMENT[kind]}" ${where} ORDER BY time ASC`
}

/** The raw readings of the page's segments, one statement each. */
export function pageQuery(plan: PagePlan): string {
  return plan.segments.map(statement).join('; ')
}

/** The aggregate rows of the page's segments, in order, one segment at a time. */
export async function* pageAggregates(
  plan: PagePlan,
  influx: InfluxReader,
  opts: Omit<ReadOptions, 'judge'> & { every: AggregateEvery; quality(sensor: string): SensorQuality },
): AsyncGenerator<BulkReading[]> {
  for (const seg of plan.segments) {
    const { id, kind } = seg.sensor
    const { rows } = await aggregateRows(influx, {
      ...seg,
      sensor: id,
      kind,
      every: opts.every,
      quality: opts.quality(id),
    })
    const kept = opts.status ? rows.filter((r) => r.status === opts.status) : rows
    yield kept.map((r) => ({ sensor: id, borough: opts.boroughOf(id), kind, ...r }))
  }
}

const laneKey = (r: ApiReading) => `${(r.lane ?? '').padStart(3, '0')}/${r.direction ?? ''}`

/** Readings sharing a time, in lane and direction order (InfluxDB merges series in its own order). */
function sortTies(readings: ApiReading[]): ApiReading[] {
  return readings.sort((a, b) => (a.time === b.time ? laneKey(a).localeCompare(laneKey(b)) : 0))
}

/** Turns the chunks of the page's statements into readings, holding back the last time of a chunk. */
export async function* pageReadings(
  plan: PagePlan,
  chunks: AsyncIterable<RowChunk>,
  opts: ReadOptions,
): AsyncGenerator<BulkReading[]> {
  let held: { segment: number; readings: ApiReading[] } | undefined
  const release = (segment: number, readings: ApiReading[]) => finish(plan.segments[segment]!, readings, opts)
  for await (const chunk of chunks) {
    const seg = plan.segments[chunk.statement]
    if (!seg) continue
    let readings = chunk.rows.map((r) => toApiReading(r, seg.sensor.kind))
    if (held?.segment === chunk.statement) readings = [...held.readings, ...readings]
    else if (held) yield release(held.segment, held.readings)
    const lastTime = readings[readings.length - 1]?.time
    const cut = readings.findIndex((r) => r.time === lastTime)
    held = { segment: chunk.statement, readings: readings.slice(cut) }
    if (cut > 0) yield release(chunk.statement, readings.slice(0, cut))
  }
  if (held) yield release(held.segment, held.readings)
}

function finish(seg: Segment, readings: ApiReading[], opts: ReadOptions): BulkReading[] {
  const judged = opts.judge(seg.sensor.id, sortTies(readings))
  const kept = opts.status ? judged.filter((r) => r.status === opts.status) : judged
  const head = { sensor: seg.sensor.id, borough: opts.boroughOf(seg.sensor.id), kind: seg.sensor.kind }
  return kept.map((r) => ({ ...head, ...r }))
}
