/**
 * Bulk history as JSON, NDJSON or CSV, written chunk by chunk as the readings arrive from
 * InfluxDB (a Readable that pulls only when the socket wants more, so a slow client slows the
 * reading, not the memory).
 */
import { Readable } from 'node:stream'
import { csvLine } from '../../core/index.js'
import { type FieldKind, fieldsOf } from '../mappings.js'
import type { Every } from '../params.js'
import { QUALITY_COLUMNS, qualityCells } from '../quality/judge-readings.js'
import type { BulkReading } from './rows.js'

export type BulkFormat = 'json' | 'ndjson' | 'csv'

export const BULK_MEDIA_TYPES: Record<BulkFormat, string> = {
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
}

/** One reading as JSON, its keys always in this order. */
export function bulkJson(r: BulkReading): string {
  const out: Record<string, unknown> = { sensor: r.sensor, borough: r.borough, kind: r.kind, time: r.time }
  if (r.lane !== undefined) out.lane = r.lane
  if (r.direction !== undefined) out.direction = r.direction
  if (r.interval !== undefined) out.interval = r.interval
  if (r.seq !== undefined) out.seq = r.seq
  for (const key of ['status', 'version', 'qc', 'suspect'] as const) if (r[key] !== undefined) out[key] = r[key]
  if (r.flags?.length) out.flags = r.flags
  if (r.failed?.length) out.failed = r.failed
  out.values = r.values
  // Aggregates: how many readings each value used and left out, and what share of the period they cover.
  for (const key of ['count', 'excluded', 'coverage', 'corrected'] as const) if (r[key] !== undefined) out[key] = r[key]
  return JSON.stringify(out)
}

const RAW_COLUMNS = ['time', 'sensor', 'borough', 'kind', 'lane', 'direction', 'interval', 'seq', ...QUALITY_COLUMNS]
const AGGREGATE_COLUMNS = ['time', 'sensor', 'borough', 'kind', 'status', 'version']
const AGGREGATE_PARTS = ['', '_count', '_excluded', '_coverage'] as const

/** The value columns: every field of the kinds asked for, in the mapping table's order. */
export function valueFields(kinds: readonly FieldKind[]): string[] {
  return kinds.flatMap((k) => fieldsOf(k).map((m) => m.field))
}

export function csvHeader(every: Every, fields: readonly string[]): string {
  if (every === 'raw') return csvLine([...RAW_COLUMNS, ...fields])
  return csvLine([...AGGREGATE_COLUMNS, ...fields.flatMap((f) => AGGREGATE_PARTS.map((p) => `${f}${p}`))])
}

export function csvRow(r: BulkReading, every: Every, fields: readonly string[]): string {
  if (every === 'raw') {
    const head = [r.time, r.sensor, r.borough, r.kind, r.lane, r.direction, r.interval, r.seq, ...qualityCells(r)]
    return csvLine([...head, ...fields.map((f) => r.values[f])])
  }
  const parts = fields.flatMap((f) => [r.values[f], r.count?.[f], r.excluded?.[f], r.coverage?.[f]])
  return csvLine([r.time, r.sensor, r.borough, r.kind, r.status, r.version, ...parts])
}

export interface BulkBody {
  format: BulkFormat
  every: Every
  fields: readonly string[]
  /** For JSON: what the body says before the readings (query, units, licence, next). */
  preamble: Record<string, unknown>
}

/** The response body: readings streamed as they come, in the chosen format. */
export function bulkBody(batches: AsyncIterable<BulkReading[]>, body: BulkBody): Readable {
  return Readable.from(serialise(batches, body), { objectMode: false })
}

async function* serialise(batches: AsyncIterable<BulkReading[]>, body: BulkBody): AsyncGenerator<string> {
  const { format, every, fields } = body
  if (format === 'csv') yield csvHeader(every, fields)
  if (format === 'json') yield `${JSON.stringify(body.preamble).slice(0, -1)},"readings":[`
  let count = 0
  for await (const batch of batches) {
    let text = ''
    for (const r of batch) {
      if (format === 'csv') text += csvRow(r, every, fields)
      else if (format === 'ndjson') text += `${bulkJson(r)}\n`
      else text += `${count === 0 ? '' : ','}\n${bulkJson(r)}`
      count++
    }
    if (text) yield text
  }
  if (format === 'json') yield `\n],"count":${count}}\n`
}
