/**
 * Observations from InfluxDB. One Observation is one field of one reading, so a request reads one
 * InfluxQL statement per field (per Datastream field, over the sensors in scope), with the part of
 * $filter InfluxDB can evaluate pushed down (influx-filter.ts) and the rest evaluated on every row
 * read, and merges the statements in one order: phenomenonTime (newest first by default), then
 * sensor id, field, lane and direction. Ties at a page's edge are read in full, so paging by
 * $skip or by the server's $skiptoken never loses or repeats an Observation.
 *
 * Readings of sensors the caller may not read never appear (Caller.mayRead, data-access.ts).
 */

import type { Caller } from '../data-access.js'
import { type InfluxReader, literal } from '../influx-read.js'
import { MEASUREMENT } from '../mappings.js'
import { badParam } from '../params.js'
import type { Catalog } from './catalog.js'
import { evalContext, sortEntities } from './collection.js'
import type { Entity } from './model.js'
import { compareObs, readStream, type Scan, type Stream, select, streamsOf, toEntity } from './observation-streams.js'
import { passes } from './odata-eval.js'
import { conjuncts, type Expr, pathsOf } from './odata-parse.js'
import type { QueryOptions } from './query-options.js'
import { decodeSkipToken, encodeSkipToken, type SkipToken } from './skip-token.js'

export { SCAN_LIMIT } from './observation-streams.js'

/** The deepest $skip served (deeper pages: follow @iot.nextLink, which pages by time). */
export const MAX_SKIP = 10_000

export interface ObsContext {
  influx: InfluxReader
  catalog: Catalog
  now: number
  /** Who asks: Observations only of sensors this caller may read (data-access.ts). */
  caller: Caller
}

export interface ObsPage {
  items: Entity[]
  count?: number
  /** How to ask for the next page: a skip token (time order) or a $skip (any other order). */
  next?: { skiptoken: string } | { skip: number }
}

/** Datastreams that terms of the filter about Datastream/... or FeatureOfInterest/... rule out. */
function narrow(ctx: ObsContext, datastreams: Entity[], filter: Expr | undefined): { kept: Entity[]; rest: Expr[] } {
  const parts = filter ? conjuncts(filter) : []
  const aboutDatastream = (p: Expr) => {
    const paths = pathsOf(p)
    return paths.length > 0 && paths.every((s) => s[0] === 'Datastream' || s[0] === 'FeatureOfInterest')
  }
  const dsParts = parts.filter(aboutDatastream)
  const kept = datastreams.filter((d) => {
    const stub: Entity = { set: 'Observations', id: '', body: {}, record: d.record, field: d.field }
    return dsParts.every((p) => passes(p, evalContext(ctx.catalog, stub, ctx.now)))
  })
  return { kept, rest: parts.filter((p) => !dsParts.includes(p)) }
}

/** $orderby that InfluxDB gives directly: none (newest first) or phenomenonTime alone. */
function timeOrder(o: QueryOptions): 'desc' | 'asc' | undefined {
  if (o.orderby.length === 0) return 'desc'
  const [only] = o.orderby
  if (o.orderby.length === 1 && only!.e.t === 'path' && only!.e.segs.join('/') === 'phenomenonTime') {
    return only!.desc ? 'desc' : 'asc'
  }
  return undefined
}

export async function queryObservations(ctx: ObsContext, datastreams: Entity[], o: QueryOptions): Promise<ObsPage> {
  if (o.skip > MAX_SKIP)
    throw badParam('$skip', `at most ${MAX_SKIP}; page further with @iot.nextLink, or filter on phenomenonTime`)
  const { kept, rest } = narrow(ctx, datastreams, o.filter)
  const streams = streamsOf(kept, rest)
  const dir = timeOrder(o)
  const scan: Scan = { rows: 0 }
  const page = dir
    ? await timeOrderedPage(ctx, streams, o, dir === 'desc', scan)
    : await sortedPage(ctx, streams, o, scan)
  if (o.count) page.count = await countOf(ctx, streams, scan)
  return page
}

async function timeOrderedPage(
  ctx: ObsContext,
  streams: Stream[],
  o: QueryOptions,
  desc: boolean,
  scan: Scan,
): Promise<ObsPage> {
  const token: SkipToken | undefined = o.skiptoken === undefined ? undefined : decodeSkipToken(o.skiptoken)
  const need = (token?.n ?? 0) + o.skip + o.top + 1
  const lists = await Promise.all(streams.map((s) => readStream(ctx, s, desc, need, scan, token?.t)))
  let merged = lists.flat().sort(compareObs(desc))
  // The previous pages gave the first n Observations at time t: the page goes on after them.
  if (token) merged = merged.slice(Math.min(token.n, merged.filter((e) => e.row!.time === token.t).length))
  const end = o.skip + o.top
  const items = merged.slice(o.skip, end)
  const last = items[items.length - 1]
  if (merged.length <= end || !last) return { items }
  const t = last.row!.time
  const before = token && token.t === t ? token.n : 0
  const n = before + merged.slice(0, end).filter((e) => e.row!.time === t).length
  return { items, next: { skiptoken: encodeSkipToken({ t, n }) } }
}

/** Any other $orderby: every matching Observation is read (bounded), then sorted here. */
async function sortedPage(ctx: ObsContext, streams: Stream[], o: QueryOptions, scan: Scan): Promise<ObsPage> {
  const lists = await Promise.all(streams.map((s) => readStream(ctx, s, true, Number.POSITIVE_INFINITY, scan)))
  const all = sortEntities(ctx.catalog, lists.flat().sort(compareObs(true)), o.orderby, ctx.now)
  const end = o.skip + o.top
  return { items: all.slice(o.skip, end), ...(all.length > end ? { next: { skip: end } } : {}) }
}

/** $count: counted by InfluxDB when it evaluated the whole filter, else by reading (bounded). */
async function countOf(ctx: ObsContext, streams: Stream[], scan: Scan): Promise<number> {
  let total = 0
  for (const s of streams) {
    if (s.post) {
      total += (await readStream(ctx, s, true, Number.POSITIVE_INFINITY, scan)).length
      continue
    }
    const [rows = []] = await ctx.influx.query(
      `SELECT count("${s.field.field}") AS n FROM "${MEASUREMENT[s.field.kind]}" WHERE ${s.where}`,
    )
    total += Number(rows[0]?.n ?? 0)
  }
  return total
}

/** One Observation by id (its Datastream must be open; the caller checks). */
export async function observationById(
  ctx: ObsContext,
  datastream: Entity,
  at: { time: number; lane?: string; direction?: string },
): Promise<Entity | undefined> {
  const [stream] = streamsOf([datastream], [])
  const lane =
    at.lane !== undefined
      ? ` AND "lane" = ${literal(at.lane)} AND "direction" = ${literal(at.direction ?? 'none')}`
      : ''
  const [rows = []] = await ctx.influx.query(`${select(stream!)} WHERE ${stream!.where} AND time = ${at.time}ms${lane}`)
  return rows[0] ? toEntity(stream!, rows[0]) : undefined
}
