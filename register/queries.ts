/** InfluxQL reads of the InfluxDB data model (docs/ingest.md): latest values, readings pages, charts, exports. */
import { type InfluxReader, type InfluxRow, literal, timeLiteral } from './influx-read.js'
import { atResolution, type FieldKind, fieldMapping, MEASUREMENT } from './mappings.js'
import { type Cursor, EVERY, type Every, type TimeRange } from './params.js'
import {
  type AggregateEvery,
  type AggregateRow,
  aggregateRows,
  type DataStatus,
  type SensorQuality,
} from './quality/aggregates.js'
import { judgeReadings } from './quality/judge-readings.js'

/** A reading as the API shows it: time, tags that distinguish series, values, bookkeeping and quality. */
export interface ApiReading {
  time: string
  lane?: string
  direction?: string
  values: Record<string, number>
  seq?: number
  interval?: number
  /** raw (not checked by automated QC), provisional (checked) or ratified (reviewed by an operator). */
  status?: DataStatus
  /** The ratification version of a ratified reading. */
  version?: number
  /** The QC version that checked it. */
  qc?: number
  suspect?: boolean
  flags?: string[]
  /** Values left out of aggregates (failed QC, or excluded by an operator). */
  failed?: string[]
  /** Values corrected by the sensor's calibration (a separate series; the raw values are in `values`). */
  corrected?: Record<string, number>
}

const TAGS = new Set(['sensor', 'borough', 'grade', 'lane', 'direction'])

export function toApiReading(row: InfluxRow, kind: FieldKind): ApiReading {
  const reading: ApiReading = { time: new Date(row.time).toISOString(), values: {} }
  if (kind === 'traffic') {
    if (typeof row.lane === 'string') reading.lane = row.lane
    if (typeof row.direction === 'string') reading.direction = row.direction
  }
  for (const [key, value] of Object.entries(row)) {
    if (value === null || value === undefined || key === 'time' || TAGS.has(key)) continue
    if (key === 'seq' || key === 'interval' || key === 'qc') reading[key] = Number(value)
    else if (key === 'suspect') reading.suspect = value === true
    else if (key === 'flags') reading.flags = String(value).split(',').filter(Boolean)
    else if (key === 'qc_fail') reading.failed = String(value).split(',').filter(Boolean)
    else if (typeof value === 'number' && fieldMapping(key)?.kind === kind)
      reading.values[key] = atResolution(key, value)
  }
  // Stored before automated QC: a reading marked suspect then counts as failed as a whole.
  if (reading.qc === undefined && reading.suspect) reading.failed = ['*']
  return reading
}

function sensorWhere(sensor: string): string {
  return `"sensor" = ${literal(sensor)}`
}

/** The newest point of a sensor (per lane and direction for traffic), with its status and corrections. */
export async function latestReadings(
  influx: InfluxReader,
  sensor: string,
  kind: FieldKind,
  quality: SensorQuality,
): Promise<ApiReading[]> {
  const groupBy = kind === 'traffic' ? ' GROUP BY "lane", "direction"' : ''
  const q = `SELECT * FROM "${MEASUREMENT[kind]}" WHERE ${sensorWhere(sensor)}${groupBy} ORDER BY time DESC LIMIT 1`
  const [rows = []] = await influx.query(q)
  const readings = rows.map((r) => toApiReading(r, kind)).sort((a, b) => b.time.localeCompare(a.time))
  return judgeReadings(readings, quality)
}

/**
 * Newest points per sensor of a borough, looking back `lookbackMs`: for air the newest few (a
 * node that sends its sensors as separate points per interval, as Sensor.Community nodes do,
 * has several), for traffic the newest per lane and direction.
 */
export async function latestByBorough(
  influx: InfluxReader,
  borough: string | undefined,
  lookbackMs: number,
  now = Date.now(),
): Promise<Map<string, { kind: FieldKind; readings: ApiReading[] }>> {
  const where = `time > ${timeLiteral(now - lookbackMs)}${borough ? ` AND "borough" = ${literal(borough)}` : ''}`
  const [air = [], traffic = []] = await influx.query(
    `SELECT * FROM "air" WHERE ${where} GROUP BY "sensor" ORDER BY time DESC LIMIT 8; ` +
      `SELECT * FROM "traffic" WHERE ${where} GROUP BY "sensor", "lane", "direction" ORDER BY time DESC LIMIT 1`,
  )
  const out = new Map<string, { kind: FieldKind; readings: ApiReading[] }>()
  for (const [kind, rows] of [
    ['air', air],
    ['traffic', traffic],
  ] as const) {
    for (const row of rows) {
      const sensor = String(row.sensor)
      const slot = out.get(sensor) ?? { kind, readings: [] }
      slot.readings.push(toApiReading(row, kind))
      out.set(sensor, slot)
    }
  }
  return out
}

export interface ReadingsPage {
  readings: (ApiReading | AggregateRow)[]
  next?: Cursor
}

export interface PageOptions extends TimeRange {
  every: Every
  limit: number
  cursor?: Cursor
  /** Only readings (or periods) of this status. */
  status?: DataStatus
  /** Ratifications up to this version (the data as it stood then). */
  asOf?: number
  /** The fields to aggregate (default: every field of the kind). */
  fields?: readonly string[]
}

/** One page of raw readings or aggregates in [from, to), keyset-paged on time. */
export async function readingsPage(
  influx: InfluxReader,
  sensor: string,
  kind: FieldKind,
  quality: SensorQuality,
  opts: PageOptions,
): Promise<ReadingsPage> {
  return opts.every === 'raw'
    ? rawPage(influx, sensor, kind, quality, opts)
    : aggregatePage(influx, sensor, kind, quality, { ...opts, every: opts.every })
}

async function rawPage(
  influx: InfluxReader,
  sensor: string,
  kind: FieldKind,
  quality: SensorQuality,
  opts: PageOptions,
): Promise<ReadingsPage> {
  const skip = opts.cursor?.k ?? 0
  const from = opts.cursor ? Math.max(opts.from, opts.cursor.t) : opts.from
  const where = `${sensorWhere(sensor)} AND time >= ${timeLiteral(from)} AND time < ${timeLiteral(opts.to)}`
  const q = `SELECT * FROM "${MEASUREMENT[kind]}" WHERE ${where} ORDER BY time ASC LIMIT ${opts.limit + skip + 1}`
  const [rows = []] = await influx.query(q)
  const page = rows.slice(skip, skip + opts.limit)
  const judged = judgeReadings(
    page.map((r) => toApiReading(r, kind)),
    quality,
    opts.asOf,
  )
  // A status filter can leave a page short; the cursor still moves on over what was read.
  const readings = opts.status ? judged.filter((r) => r.status === opts.status) : judged
  if (rows.length <= skip + opts.limit || page.length === 0) return { readings }
  const lastTime = page[page.length - 1]!.time
  // Rows at lastTime already returned, counting those skipped from the previous page.
  const sameTime = rows.slice(0, skip + opts.limit).filter((r) => r.time === lastTime).length
  return { readings, next: { t: lastTime, k: sameTime } }
}

async function aggregatePage(
  influx: InfluxReader,
  sensor: string,
  kind: FieldKind,
  quality: SensorQuality,
  opts: PageOptions & { every: AggregateEvery },
): Promise<ReadingsPage> {
  const skip = opts.cursor?.k ?? 0
  const from = opts.cursor ? Math.max(opts.from, opts.cursor.t) : opts.from
  const { rows, more } = await aggregateRows(influx, {
    sensor,
    kind,
    every: opts.every,
    from,
    to: opts.to,
    quality,
    asOf: opts.asOf,
    skip,
    limit: opts.limit,
    ...(opts.fields ? { fields: opts.fields } : {}),
  })
  const readings = opts.status ? rows.filter((r) => r.status === opts.status) : rows
  const last = rows[rows.length - 1]
  // Aggregate rows have one time each: the next page starts at the last one, skipping it.
  return more && last ? { readings, next: { t: Date.parse(last.time), k: 1 } } : { readings }
}

/** Series for the 24-hour chart: honest 15-minute means (air) or hourly sums (traffic). */
export async function chartSeries(
  influx: InfluxReader,
  sensor: string,
  kind: FieldKind,
  fields: readonly string[],
  quality: SensorQuality,
  now = Date.now(),
): Promise<{ every: AggregateEvery; rows: AggregateRow[] }> {
  const every: AggregateEvery = kind === 'air' ? '15m' : '1h'
  const from = Math.floor((now - 86_400_000) / EVERY[every].ms) * EVERY[every].ms
  const { rows } = await aggregateRows(influx, { sensor, kind, every, from, to: now + 1, fields, quality })
  return { every, rows }
}

/** Every row of a borough's day for the CSV export (both measurements, time order), judged per sensor. */
export async function boroughDay(
  influx: InfluxReader,
  borough: string,
  dayStart: number,
  qualityOf: (sensor: string) => SensorQuality,
): Promise<{ kind: FieldKind; sensor: string; reading: ApiReading }[]> {
  const where = `"borough" = ${literal(borough)} AND time >= ${timeLiteral(dayStart)} AND time < ${timeLiteral(dayStart + 86_400_000)}`
  const [air = [], traffic = []] = await influx.query(
    `SELECT * FROM "air" WHERE ${where} GROUP BY "sensor"; SELECT * FROM "traffic" WHERE ${where} GROUP BY "sensor"`,
  )
  const out: { kind: FieldKind; sensor: string; reading: ApiReading }[] = []
  for (const [kind, rows] of [
    ['air', air],
    ['traffic', traffic],
  ] as const) {
    const bySensor = new Map<string, InfluxRow[]>()
    for (const r of rows) {
      const list = bySensor.get(String(r.sensor)) ?? []
      list.push(r)
      bySensor.set(String(r.sensor), list)
    }
    for (const [sensor, sensorRows] of bySensor) {
      const readings = judgeReadings(
        sensorRows.map((r) => toApiReading(r, kind)),
        qualityOf(sensor),
      )
      for (const reading of readings) out.push({ kind, sensor, reading })
    }
  }
  return out.sort((a, b) => a.reading.time.localeCompare(b.reading.time) || a.sensor.localeCompare(b.sensor))
}
