/**
 * The InfluxQL statements behind Observations: one per field, over the sensors in scope, with the
 * filter's pushed-down part (influx-filter.ts); read in batches in time order, each batch ending
 * inside a run of equal times completed, so the order (time, then sensor, field, lane, direction)
 * is total and paging never loses or repeats an Observation.
 */
import type { StreetsenseError } from '../../core/index.js'
import { type InfluxRow, literal } from '../influx-read.js'
import { FIELD_MAPPINGS, type FieldMapping, MEASUREMENT } from '../mappings.js'
import { badParam } from '../params.js'
import { evalContext } from './collection.js'
import { observationEntity } from './entities.js'
import { pushdown } from './influx-filter.js'
import type { Entity, ObservationRow } from './model.js'
import type { ObsContext } from './observations.js'
import { passes } from './odata-eval.js'
import type { Expr } from './odata-parse.js'

/** Rows one request may read from InfluxDB when InfluxDB cannot do the filtering or ordering. */
export const SCAN_LIMIT = 20_000
/** One statement: one field over the sensors in scope (their Datastreams by sensor id). */
export interface Stream {
  field: FieldMapping
  index: number
  datastreams: Map<string, Entity>
  where: string
  /** The filter to evaluate on every row (absent when InfluxDB evaluated all of it). */
  post?: Expr
}

const FIELD_INDEX = new Map(FIELD_MAPPINGS.map((m, i) => [m.field, i]))
const REGEX_META = /[\\^$.*+?()[\]{}|/]/g

function sensorCondition(ids: string[]): string {
  if (ids.length === 1) return `"sensor" = ${literal(ids[0]!)}`
  return `"sensor" =~ /^(${ids.map((id) => id.replace(REGEX_META, '\\$&')).join('|')})$/`
}

export function streamsOf(datastreams: Entity[], rest: Expr[]): Stream[] {
  const byField = new Map<string, Map<string, Entity>>()
  for (const d of datastreams) {
    const map = byField.get(d.field!.field) ?? new Map<string, Entity>()
    map.set(d.record!.entry.id, d)
    byField.set(d.field!.field, map)
  }
  const restExpr = rest.reduce<Expr | undefined>((a, b) => (a ? { t: 'bin', op: 'and', l: a, r: b } : b), undefined)
  return [...byField].map(([field, map]) => {
    const f = `"${field}"`
    const pushed = pushdown(restExpr, field)
    const where = [sensorCondition([...map.keys()]), `${f} = ${f}`, ...(pushed.sql ? [`(${pushed.sql})`] : [])]
    return {
      field: map.values().next().value!.field!,
      index: FIELD_INDEX.get(field) ?? 0,
      datastreams: map,
      where: where.join(' AND '),
      ...(pushed.exact ? {} : { post: restExpr }),
    }
  })
}

export function toEntity(stream: Stream, row: InfluxRow): Entity {
  const ds = stream.datastreams.get(String(row.sensor))!
  const obs: ObservationRow = {
    time: row.time,
    result: Number(row.result),
    ...(typeof row.interval === 'number' ? { interval: row.interval } : {}),
    ...(row.suspect === true ? { suspect: true } : {}),
    ...(typeof row.flags === 'string' && row.flags ? { flags: row.flags } : {}),
    ...(typeof row.lane === 'string' ? { lane: row.lane, direction: String(row.direction ?? 'none') } : {}),
  }
  return observationEntity(ds, obs)
}

/** The one order of Observations: time (as asked), then sensor, field, lane, direction. */
export function compareObs(desc: boolean) {
  return (a: Entity, b: Entity): number => {
    const t = a.row!.time - b.row!.time
    if (t !== 0) return desc ? -t : t
    const s = a.record!.entry.id < b.record!.entry.id ? -1 : a.record!.entry.id > b.record!.entry.id ? 1 : 0
    if (s !== 0) return s
    const f = (FIELD_INDEX.get(a.field!.field) ?? 0) - (FIELD_INDEX.get(b.field!.field) ?? 0)
    if (f !== 0) return f
    return `${a.row!.lane ?? ''}-${a.row!.direction ?? ''}`.localeCompare(
      `${b.row!.lane ?? ''}-${b.row!.direction ?? ''}`,
    )
  }
}

export function select(stream: Stream): string {
  const tags = stream.field.kind === 'traffic' ? ', "lane", "direction"' : ''
  return `SELECT "${stream.field.field}" AS "result", "interval", "suspect", "flags", "sensor"${tags} FROM "${MEASUREMENT[stream.field.kind]}"`
}

export interface Scan {
  rows: number
}

/**
 * The first `need` matching Observations of a stream in time order (from `bound` on), reading in
 * batches; a batch that ends inside a run of equal times is completed, so the order is total.
 */
export async function readStream(
  ctx: ObsContext,
  s: Stream,
  desc: boolean,
  need: number,
  scan: Scan,
  bound?: number,
): Promise<Entity[]> {
  const out: Entity[] = []
  const batch = Math.min(Math.max(need, 500), 5000)
  const [before, after] = desc ? ['<', '<='] : ['>', '>=']
  let cond = bound === undefined ? '' : ` AND time ${after} ${bound}ms`
  for (;;) {
    const base = `${select(s)} WHERE ${s.where}`
    const [rows = []] = await ctx.influx.query(`${base}${cond} ORDER BY time ${desc ? 'DESC' : 'ASC'} LIMIT ${batch}`)
    let all = rows
    if (rows.length === batch) {
      const edge = rows[rows.length - 1]!.time
      const [ties = []] = await ctx.influx.query(`${base} AND time = ${edge}ms`)
      all = [...rows.filter((r) => r.time !== edge), ...ties]
      cond = ` AND time ${before} ${edge}ms`
    }
    scan.rows += all.length
    if (scan.rows > SCAN_LIMIT) throw tooBroad()
    const entities = all.map((r) => toEntity(s, r)).sort(compareObs(desc))
    for (const e of entities) if (!s.post || passes(s.post, evalContext(ctx.catalog, e, ctx.now))) out.push(e)
    if (out.length >= need || rows.length < batch) return out
  }
}

function tooBroad(): StreetsenseError {
  return badParam(
    '$filter',
    `answering this request would read more than ${SCAN_LIMIT} observations from InfluxDB: narrow it with a phenomenonTime range (phenomenonTime ge 2026-11-01T00:00:00Z and phenomenonTime lt 2026-11-02T00:00:00Z) or a Datastream`,
  )
}
