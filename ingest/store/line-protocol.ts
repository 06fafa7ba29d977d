/**
 * Readings and statuses as InfluxDB line protocol, per the data model in docs/ingest.md.
 * Lines are built with escaped templates (about 4 us faster per point than a Point object).
 *
 * Escaping: measurement (comma, space), tag keys/values and field keys (comma, equals, space),
 * string field values (backslash, double quote). Backslashes in identifiers are removed: influxd
 * 1.x reads a backslash before a separator as an escape in one place and as a literal in
 * another (scanLine vs scanTagsValue), so a raw one could end a tag early or let a newline in a
 * later string field start a new point (our ids and field names never contain one). Newlines
 * in identifiers become escaped spaces; inside a quoted string field a newline is legal and kept.
 */

import type { DeviceStatus, Reading, TrafficCounts, TrafficValues } from '../../schemas/index.js'
import { QC_VERSION } from '../qc/catalogue.js'
import { type QcVerdict, readingQc } from '../qc/reading-rules.js'

const IDENT_META = /[,= \r\n]/g
const MEASUREMENT_META = /[, \r\n]/g
const STRING_META = /[\\"]/g
const BACKSLASHES = /\\/g

const escapeChar = (c: string): string => (c === '\r' || c === '\n' ? '\\ ' : `\\${c}`)

const NEEDS_IDENT_ESCAPE = /[\\,= \r\n]/
const NEEDS_STRING_ESCAPE = /[\\"]/

// Most identifiers (ids, codes, field names) need no escaping: test once, replace only if needed.
export const escapeMeasurement = (s: string): string =>
  NEEDS_IDENT_ESCAPE.test(s) ? s.replace(BACKSLASHES, '').replace(MEASUREMENT_META, escapeChar) : s
export const escapeTag = (s: string): string =>
  NEEDS_IDENT_ESCAPE.test(s) ? s.replace(BACKSLASHES, '').replace(IDENT_META, escapeChar) : s
export const escapeString = (s: string): string =>
  NEEDS_STRING_ESCAPE.test(s) ? `"${s.replace(STRING_META, (c) => `\\${c}`)}"` : `"${s}"`

export type FieldValue = number | boolean | string | { int: number }
export type Fields = Record<string, FieldValue | undefined>

function formatField(value: FieldValue): string {
  if (typeof value === 'string') return escapeString(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError('line protocol cannot hold a non-finite float')
    return String(value)
  }
  if (!Number.isSafeInteger(value.int)) throw new RangeError('integer field out of range')
  return `${value.int}i`
}

/** One point; tags with empty values are left out (InfluxDB refuses them), tags sorted by key. */
export function toLine(measurement: string, tags: Record<string, string>, fields: Fields, timeMs: number): string {
  let line = escapeMeasurement(measurement)
  for (const key of Object.keys(tags).sort()) {
    const value = tags[key]
    const escaped = value ? escapeTag(value) : ''
    if (escaped) line += `,${escapeTag(key)}=${escaped}`
  }
  // for..in, not Object.entries: entries() on a spread object cost ~10 us per point in profiles.
  let body = ''
  for (const key in fields) {
    const value = fields[key]
    if (value === undefined) continue
    body += `${body ? ',' : ''}${escapeTag(key)}=${formatField(value)}`
  }
  if (!body) throw new RangeError('a point needs at least one field')
  return `${line} ${body} ${Math.trunc(timeMs)}`
}

const int = (n: number | undefined): { int: number } | undefined => (n === undefined ? undefined : { int: n })

const VEHICLE_CLASSES = ['pedal_cycle', 'motorcycle', 'car', 'bus_coach', 'lgv', 'hgv'] as const
const COUNT_CLASSES = [...VEHICLE_CLASSES, 'pedestrian'] as const

/** An integer field value (`12i`); the schema has checked the type, this keeps the promise. */
const intField = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw new RangeError('integer field out of range')
  return `${n}i`
}

/** A float field value; line protocol has no NaN or infinity. */
const floatField = (n: number): string => {
  if (!Number.isFinite(n)) throw new RangeError('line protocol cannot hold a non-finite float')
  return `${n}`
}

/** `,key=value` for a tag, or nothing when the value is empty (InfluxDB refuses empty tags). */
const tagPair = (key: string, value: string | undefined): string => {
  const escaped = value ? escapeTag(value) : ''
  return escaped ? `,${key}=${escaped}` : ''
}

/**
 * A reading as one point, with the verdict of the reading QC rules (ingest/qc/reading-rules.ts):
 * `qc` (the QC version), `suspect` (some value failed), `flags` and `qc_fail` (the failed values,
 * always written so that queries can match on it). Built as one string with its tags already in
 * key order (InfluxDB's preferred order), rather than through toLine's objects: this runs for
 * every reading and was the largest part of a check thread's time after JSON.parse (profiled).
 */
export function readingToLine(
  reading: Reading,
  verdict: QcVerdict = readingQc(reading, Date.now()),
  timeMs = Date.parse(reading.time),
): string {
  const { flags, fail } = verdict
  let fields = ''
  let line: string
  if (reading.kind === 'traffic') {
    const values = reading.values as TrafficValues
    const counts = values.counts as TrafficCounts
    let total = 0
    let anyVehicle = false
    for (const name of COUNT_CLASSES) {
      const n = counts[name]
      if (n === undefined) continue
      fields += `,${name}=${intField(n)}`
      if (name !== 'pedestrian') {
        total += n
        anyVehicle = true
      }
    }
    if (anyVehicle) fields += `,total_vehicles=${total}i`
    if (values.mean_speed !== undefined) fields += `,mean_speed=${floatField(values.mean_speed)}`
    if (values.v85 !== undefined) fields += `,v85=${floatField(values.v85)}`
    if (values.occupancy !== undefined) fields += `,occupancy=${floatField(values.occupancy)}`
    line = `traffic${tagPair('borough', reading.borough)}${tagPair('direction', values.direction ?? 'none')}${tagPair('lane', String(values.lane ?? 0))}${tagPair('sensor', reading.sensor)}`
  } else {
    const values = reading.values as Record<string, number | undefined>
    for (const key in values) {
      const value = values[key]
      if (value !== undefined) fields += `,${escapeTag(key)}=${floatField(value)}`
    }
    line = `air${tagPair('borough', reading.borough)}${tagPair('grade', reading.quality?.grade ?? 'indicative')}${tagPair('sensor', reading.sensor)}`
  }
  fields += `,seq=${intField(reading.seq)},interval=${intField(reading.interval)},suspect=${fail.length > 0}`
  if (flags.length > 0) fields += `,flags=${escapeString(flags.join(','))}`
  fields +=
    fail.length > 0 ? `,qc=${QC_VERSION}i,qc_fail=${escapeString(fail.join(','))}` : `,qc=${QC_VERSION}i,qc_fail=""`
  return `${line} ${fields.slice(1)} ${Math.trunc(timeMs)}`
}

export function statusToLine(status: DeviceStatus): string {
  const fields: Fields = {
    uptime: int(status.uptime),
    outbox_depth: int(status.outbox_depth),
    evicted: int(status.evicted),
    rejected: int(status.rejected),
    last_seq: int(status.last_seq),
    resendable_from: int(status.resendable_from),
    retained: int(status.retained),
    retained_evicted: int(status.retained_evicted),
    clock_synced: status.clock_synced,
    agent_version: status.agent_version,
    firmware: status.firmware,
  }
  return toLine('device_status', { borough: status.borough, sensor: status.sensor }, fields, Date.parse(status.time))
}

export interface HealthSample {
  instance: string
  accepted: number
  rejected: number
  duplicates: number
  spoolDepth: number
  quarantineDepth: number
  readingsPerSecond: number
}

export function healthToLine(h: HealthSample, timeMs: number): string {
  return toLine(
    'ingest_health',
    { instance: h.instance },
    {
      accepted: { int: h.accepted },
      rejected: { int: h.rejected },
      duplicates: { int: h.duplicates },
      spool_depth: { int: h.spoolDepth },
      quarantine_depth: { int: h.quarantineDepth },
      readings_per_second: h.readingsPerSecond,
    },
    timeMs,
  )
}
