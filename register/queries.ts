/** InfluxQL reads of the InfluxDB data model (docs/ingest.md): latest values, aggregates, pages, completeness. */
import { DAQI_AVERAGING, type DaqiPollutant } from './daqi.js'
import { type InfluxReader, type InfluxRow, literal, timeLiteral } from './influx-read.js'
import { type FieldKind, fieldMapping, fieldsOf, MEASUREMENT } from './mappings.js'
import { type Cursor, EVERY, type Every, type TimeRange } from './params.js'

/** A reading as the API shows it: time, tags that distinguish series, values, bookkeeping. */
export interface ApiReading {
  time: string
  lane?: string
  direction?: string
  values: Record<string, number>
  seq?: number
  interval?: number
  suspect?: boolean
  flags?: string[]
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
    if (key === 'seq' || key === 'interval') reading[key] = Number(value)
    else if (key === 'suspect') reading.suspect = value === true
    else if (key === 'flags') reading.flags = String(value).split(',').filter(Boolean)
    else if (typeof value === 'number' && fieldMapping(key)?.kind === kind) reading.values[key] = value
  }
  return reading
}

function sensorWhere(sensor: string): string {
  return `"sensor" = ${literal(sensor)}`
}

/** The newest point of a sensor (per lane and direction for traffic). */
export async function latestReadings(influx: InfluxReader, sensor: string, kind: FieldKind): Promise<ApiReading[]> {
  const groupBy = kind === 'traffic' ? ' GROUP BY "lane", "direction"' : ''
  const q = `SELECT * FROM "${MEASUREMENT[kind]}" WHERE ${sensorWhere(sensor)}${groupBy} ORDER BY time DESC LIMIT 1`
  const [rows = []] = await influx.query(q)
  return rows.map((r) => toApiReading(r, kind)).sort((a, b) => b.time.localeCompare(a.time))
}

/** Newest point per sensor of a borough (per lane/direction for traffic), looking back `lookbackMs`. */
export async function latestByBorough(
  influx: InfluxReader,
  borough: string | undefined,
  lookbackMs: number,
  now = Date.now(),
): Promise<Map<string, { kind: FieldKind; readings: ApiReading[] }>> {
  const where = `time > ${timeLiteral(now - lookbackMs)}${borough ? ` AND "borough" = ${literal(borough)}` : ''}`
  const [air = [], traffic = []] = await influx.query(
    `SELECT * FROM "air" WHERE ${where} GROUP BY "sensor" ORDER BY time DESC LIMIT 1; ` +
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

function selectList(kind: FieldKind, every: Every, fields?: readonly string[]): string {
  if (every === 'raw') return '*'
  return fieldsOf(kind)
    .filter((m) => !fields || fields.includes(m.field))
    .map((m) => `${m.aggregate}("${m.field}") AS "${m.field}"`)
    .join(', ')
}

export interface ReadingsPage {
  readings: ApiReading[]
  next?: Cursor
}

/** One page of raw or aggregated readings in [from, to), keyset-paged on time. */
export async function readingsPage(
  influx: InfluxReader,
  sensor: string,
  kind: FieldKind,
  opts: TimeRange & { every: Every; limit: number; cursor?: Cursor },
): Promise<ReadingsPage> {
  const skip = opts.cursor?.k ?? 0
  const from = opts.cursor ? Math.max(opts.from, opts.cursor.t) : opts.from
  const where = `${sensorWhere(sensor)} AND time >= ${timeLiteral(from)} AND time < ${timeLiteral(opts.to)}`
  const group = opts.every === 'raw' ? '' : ` GROUP BY time(${opts.every}) fill(none)`
  const q = `SELECT ${selectList(kind, opts.every)} FROM "${MEASUREMENT[kind]}" WHERE ${where}${group} ORDER BY time ASC LIMIT ${opts.limit + skip + 1}`
  const [rows = []] = await influx.query(q)
  const page = rows.slice(skip, skip + opts.limit)
  const readings = page.map((r) => toApiReading(r, kind))
  if (rows.length <= skip + opts.limit || page.length === 0) return { readings }
  const lastTime = page[page.length - 1]!.time
  // Rows at lastTime already returned, counting those skipped from the previous page.
  const sameTime = rows.slice(0, skip + opts.limit).filter((r) => r.time === lastTime).length
  return { readings, next: { t: lastTime, k: sameTime } }
}

export interface Completeness {
  window: string
  received: number
  expected: number
  ratio: number | null
  firstSeq: number | null
  lastSeq: number | null
}

/**
 * Completeness from sequence gaps: distinct sequence numbers received in the window against the
 * span of sequence numbers seen (last - first + 1). A sensor that was silent for the whole window
 * has ratio null (nothing to judge), and its last-seen time tells the story.
 */
export async function completeness(
  influx: InfluxReader,
  sensor: string,
  kind: FieldKind,
  windows: { name: string; ms: number }[],
  now = Date.now(),
): Promise<Completeness[]> {
  const statements = windows.map(
    (w) =>
      `SELECT count(distinct("seq")) AS received, min("seq") AS first, max("seq") AS last FROM "${MEASUREMENT[kind]}" ` +
      `WHERE ${sensorWhere(sensor)} AND time > ${timeLiteral(now - w.ms)} AND time <= ${timeLiteral(now)}`,
  )
  const results = await influx.query(statements.join('; '))
  return windows.map((w, i) => {
    const row = results[i]?.[0]
    if (!row || row.received === null || row.first === null) {
      return { window: w.name, received: 0, expected: 0, ratio: null, firstSeq: null, lastSeq: null }
    }
    const received = Number(row.received)
    const first = Number(row.first)
    const last = Number(row.last)
    const expected = last - first + 1
    return {
      window: w.name,
      received,
      expected,
      ratio: expected > 0 ? Math.round((received / expected) * 10_000) / 10_000 : null,
      firstSeq: first,
      lastSeq: last,
    }
  })
}

/** The means DAQI needs (each on its own averaging period), ending now. */
export async function daqiMeans(
  influx: InfluxReader,
  sensor: string,
  pollutants: readonly DaqiPollutant[],
  now = Date.now(),
): Promise<Partial<Record<DaqiPollutant, number>>> {
  if (pollutants.length === 0) return {}
  const statements = pollutants.map(
    (p) =>
      `SELECT mean("${p}") AS v FROM "air" WHERE ${sensorWhere(sensor)} AND time > ${timeLiteral(
        now - DAQI_AVERAGING[p].hours * 3_600_000,
      )} AND time <= ${timeLiteral(now)}`,
  )
  const results = await influx.query(statements.join('; '))
  const out: Partial<Record<DaqiPollutant, number>> = {}
  pollutants.forEach((p, i) => {
    const v = results[i]?.[0]?.v
    if (typeof v === 'number') out[p] = v
  })
  return out
}

/** Series for the 24-hour chart: 15-minute means (air) or hourly sums (traffic). */
export async function chartSeries(
  influx: InfluxReader,
  sensor: string,
  kind: FieldKind,
  fields: readonly string[],
  now = Date.now(),
): Promise<{ every: Every; rows: ApiReading[] }> {
  const every: Every = kind === 'air' ? '15m' : '1h'
  const from = Math.floor((now - 86_400_000) / EVERY[every].ms) * EVERY[every].ms
  const q = `SELECT ${selectList(kind, every, fields)} FROM "${MEASUREMENT[kind]}" WHERE ${sensorWhere(sensor)} AND time >= ${timeLiteral(from)} AND time <= ${timeLiteral(now)} GROUP BY time(${every}) fill(none)`
  const [rows = []] = await influx.query(q)
  return { every, rows: rows.map((r) => toApiReading(r, kind)) }
}

/** Every row of a borough's day for the CSV export (both measurements, time order). */
export async function boroughDay(
  influx: InfluxReader,
  borough: string,
  dayStart: number,
): Promise<{ kind: FieldKind; sensor: string; reading: ApiReading }[]> {
  const where = `"borough" = ${literal(borough)} AND time >= ${timeLiteral(dayStart)} AND time < ${timeLiteral(dayStart + 86_400_000)}`
  const [air = [], traffic = []] = await influx.query(
    `SELECT * FROM "air" WHERE ${where}; SELECT * FROM "traffic" WHERE ${where}`,
  )
  const out = [
    ...air.map((r) => ({ kind: 'air' as const, sensor: String(r.sensor), reading: toApiReading(r, 'air') })),
    ...traffic.map((r) => ({
      kind: 'traffic' as const,
      sensor: String(r.sensor),
      reading: toApiReading(r, 'traffic'),
    })),
  ]
  return out.sort((a, b) => a.reading.time.localeCompare(b.reading.time) || a.sensor.localeCompare(b.sensor))
}
