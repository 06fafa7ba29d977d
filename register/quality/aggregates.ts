/**
 * Honest aggregates (docs/data-quality.md): 15-minute, hourly and daily means (sums for counts)
 * of the values that passed QC, each row saying how many readings it used (`count`), how many it
 * left out (`excluded`) and what share of the period the used readings cover (`coverage`, from
 * their intervals). Inside a ratified period the operator's decisions apply instead of QC's.
 *
 * InfluxQL cannot average a field conditionally, so each field is its own statement with its own
 * condition, and a time range crossing a ratification boundary is one statement per segment;
 * all go to InfluxDB in one request, as sums and counts, and are added up here per bucket.
 */
import type { Calibration, Ratification } from '../../registry/index.js'
import { type InfluxReader, type InfluxRow, literal, timeLiteral } from '../influx-read.js'
import { type FieldKind, fieldMapping, fieldsOf, MEASUREMENT, valuesAtResolution } from '../mappings.js'
import { EVERY, type Every } from '../params.js'
import { correctedValues } from './corrections.js'
import { modeOf, type Segment, segmentsOf } from './segments.js'

export type AggregateEvery = Exclude<Every, 'raw'>
export type DataStatus = 'raw' | 'provisional' | 'ratified'

/** What the register knows about a sensor's data quality: its ratifications and calibrations. */
export interface SensorQuality {
  ratifications: Ratification[]
  calibrations: Calibration[]
}

export interface AggregateRow {
  time: string
  values: Record<string, number>
  /** Readings whose value was used, per field. */
  count: Record<string, number>
  /** Readings whose value was left out (failed QC, or excluded by an operator), per field. */
  excluded: Record<string, number>
  /** Share of the period covered by the used readings (their intervals), 0..1, per field. */
  coverage: Record<string, number>
  status: DataStatus
  /** Ratification version of a ratified row. */
  version?: number
  corrected?: Record<string, number>
}

export interface AggregateQuery {
  sensor: string
  kind: FieldKind
  every: AggregateEvery
  from: number
  to: number
  fields?: readonly string[]
  quality: SensorQuality
  /** Ratifications up to this version only (the data as it stood then). */
  asOf?: number
  /** Rows to skip at `from` (paging) and the most to return. */
  skip?: number
  limit?: number
}

/**
 * The rows where the values of `fields` passed QC (all of them). A checked reading that failed
 * nothing has suspect=false; one that failed something lists the failed fields in qc_fail (`*`:
 * all). A reading stored before QC existed has no qc_fail: it counts unless it was marked suspect.
 */
export function passedQc(...fields: string[]): string {
  return `("suspect" = false OR "qc_fail" !~ /(^|,)(${[...fields, '\\*'].join('|')})(,|$)/)`
}

/** Matches rows that hold `field` (a comparison with a missing field is false in InfluxQL). */
const holds = (field: string) => `"${field}" > -1000000000000000`

interface Totals {
  time: number
  readings: number
  checked: number
  present: Record<string, number>
}

interface Sums {
  s: number
  n: number
  iv: number
  cov: Record<string, { s: number; n: number }>
}

export async function aggregateRows(
  influx: InfluxReader,
  q: AggregateQuery,
): Promise<{ rows: AggregateRow[]; more: boolean }> {
  const fields = q.fields ?? fieldsOf(q.kind).map((m) => m.field)
  const skip = q.skip ?? 0
  const [totals, lanes] = await readTotals(influx, q, fields)
  const page = q.limit === undefined ? totals.slice(skip) : totals.slice(skip, skip + q.limit)
  const more = q.limit !== undefined && totals.length > skip + q.limit
  if (page.length === 0) return { rows: [], more: false }
  const pageEnd = more ? totals[skip + q.limit!]!.time : q.to
  const segments = segmentsOf(q.quality.ratifications, page[0]!.time, pageEnd, q.asOf)
  const sums = await readSums(influx, q, fields, segments, page[0]!.time, pageEnd)
  const bucketSeconds = (EVERY[q.every].ms / 1000) * lanes
  return { rows: page.map((t) => toRow(t, fields, sums.get(t.time), segments, q, bucketSeconds)), more }
}

function where(q: AggregateQuery, from: number, to: number): string {
  return `"sensor" = ${literal(q.sensor)} AND time >= ${timeLiteral(from)} AND time < ${timeLiteral(to)}`
}

/** Per bucket: readings, checked readings, values present per field; and (traffic) the lanes seen. */
async function readTotals(
  influx: InfluxReader,
  q: AggregateQuery,
  fields: readonly string[],
): Promise<[Totals[], number]> {
  const counts = fields.map((f) => `count("${f}") AS "${f}"`).join(', ')
  const limit = q.limit === undefined ? '' : ` LIMIT ${q.limit + (q.skip ?? 0) + 1}`
  const m = MEASUREMENT[q.kind]
  const statements = [
    `SELECT count("seq") AS "_n", count("qc") AS "_q", ${counts} FROM "${m}" WHERE ${where(q, q.from, q.to)} GROUP BY time(${q.every}) fill(none)${limit}`,
  ]
  // Traffic rows are one per lane and direction: a period is covered once per lane.
  if (q.kind === 'traffic')
    statements.push(`SELECT count("seq") FROM "traffic" WHERE ${where(q, q.from, q.to)} GROUP BY "lane", "direction"`)
  const [rows = [], lanes = []] = await influx.query(statements.join('; '))
  const totals = rows
    .filter((r) => Number(r._n) > 0)
    .map((r) => ({
      time: r.time,
      readings: Number(r._n),
      checked: Number(r._q ?? 0),
      present: Object.fromEntries(fields.map((f) => [f, Number(r[f] ?? 0)])),
    }))
  return [totals, Math.max(1, lanes.length)]
}

/** The covariates the calibrations of `field` need (their means come from the field's own rows). */
function covariatesOf(q: AggregateQuery, field: string): string[] {
  return [...new Set(q.quality.calibrations.filter((c) => c.field === field).flatMap((c) => c.covariates))]
}

async function readSums(
  influx: InfluxReader,
  q: AggregateQuery,
  fields: readonly string[],
  segments: Segment[],
  from: number,
  to: number,
): Promise<Map<number, Record<string, Sums>>> {
  const plan: { field: string; covariates: string[] }[] = []
  const statements: string[] = []
  for (const seg of segments) {
    for (const field of fields) {
      const mode = modeOf(seg, field)
      if (mode === 'exclude') continue
      const covariates = covariatesOf(q, field)
      const cov = covariates.map((c) => `, sum("${c}") AS "${c}__s", count("${c}") AS "${c}__n"`).join('')
      const cond = `${where(q, Math.max(seg.from, from), Math.min(seg.to, to))} AND ${holds(field)}${mode === 'auto' ? ` AND ${passedQc(field)}` : ''}`
      statements.push(
        `SELECT sum("${field}") AS "s", count("${field}") AS "n", sum("interval") AS "iv"${cov} FROM "${MEASUREMENT[q.kind]}" WHERE ${cond} GROUP BY time(${q.every}) fill(none)`,
      )
      plan.push({ field, covariates })
    }
  }
  const byBucket = new Map<number, Record<string, Sums>>()
  if (statements.length === 0) return byBucket
  const results = await influx.query(statements.join('; '))
  plan.forEach(({ field, covariates }, i) => {
    for (const row of results[i] ?? []) addSums(byBucket, row, field, covariates)
  })
  return byBucket
}

function addSums(byBucket: Map<number, Record<string, Sums>>, row: InfluxRow, field: string, covariates: string[]) {
  if (!Number(row.n)) return
  const bucket = byBucket.get(row.time) ?? {}
  byBucket.set(row.time, bucket)
  const sums = bucket[field] ?? { s: 0, n: 0, iv: 0, cov: {} }
  bucket[field] = sums
  sums.s += Number(row.s)
  sums.n += Number(row.n)
  sums.iv += Number(row.iv ?? 0)
  for (const c of covariates) {
    const acc = sums.cov[c] ?? { s: 0, n: 0 }
    sums.cov[c] = acc
    acc.s += Number(row[`${c}__s`] ?? 0)
    acc.n += Number(row[`${c}__n`] ?? 0)
  }
}

function toRow(
  t: Totals,
  fields: readonly string[],
  sums: Record<string, Sums> | undefined,
  segments: Segment[],
  q: AggregateQuery,
  bucketSeconds: number,
): AggregateRow {
  const row: AggregateRow = {
    time: new Date(t.time).toISOString(),
    values: {},
    count: {},
    excluded: {},
    coverage: {},
    status: 'raw',
  }
  const covariateMeans: Record<string, number> = {}
  for (const f of fields) {
    if (t.present[f] === 0) continue
    const s = sums?.[f]
    const n = s?.n ?? 0
    if (s && n > 0) row.values[f] = fieldMapping(f)?.aggregate === 'sum' ? s.s : s.s / n
    row.count[f] = n
    row.excluded[f] = t.present[f]! - n
    row.coverage[f] = Math.min(1, Math.round(((s?.iv ?? 0) / bucketSeconds) * 10_000) / 10_000)
    for (const [c, acc] of Object.entries(s?.cov ?? {})) if (acc.n > 0) covariateMeans[`${f}:${c}`] = acc.s / acc.n
  }
  Object.assign(row, statusOf(t, segments, EVERY[q.every].ms))
  const corrected = correctRow(q.quality.calibrations, t.time, row.values, covariateMeans)
  if (corrected) row.corrected = valuesAtResolution(corrected)
  // Published at each field's resolution; the correction above used the unrounded means.
  row.values = valuesAtResolution(row.values)
  return row
}

/** Ratified when the whole bucket lies in one ratified version's period; else by its readings. */
function statusOf(t: Totals, segments: Segment[], ms: number): Pick<AggregateRow, 'status' | 'version'> {
  const inside = segments.filter((s) => s.from < t.time + ms && s.to > t.time)
  const version = inside[0]?.version
  if (version !== undefined && inside.every((s) => s.version === version) && inside[0]!.from <= t.time)
    return { status: 'ratified', version }
  return { status: t.checked > 0 ? 'provisional' : 'raw' }
}

/** Corrected means: each field's calibration with the covariates averaged over that field's readings. */
function correctRow(
  calibrations: readonly Calibration[],
  t: number,
  values: Record<string, number>,
  covariateMeans: Record<string, number>,
): Record<string, number> | undefined {
  const out: Record<string, number> = {}
  for (const field of new Set(calibrations.map((c) => c.field))) {
    const inputs: Record<string, number | undefined> = { [field]: values[field] }
    for (const [key, v] of Object.entries(covariateMeans))
      if (key.startsWith(`${field}:`)) inputs[key.slice(field.length + 1)] = v
    const y = correctedValues(
      calibrations.filter((c) => c.field === field),
      t,
      inputs,
    )?.corrected[field]
    if (y !== undefined) out[field] = y
  }
  return Object.keys(out).length > 0 ? out : undefined
}
