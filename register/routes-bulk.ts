/**
 * GET /v1/readings: bulk history, the readings of every sensor matching the filters that the
 * caller may read, in (sensor, time, lane, direction) order, paged by an opaque keyset cursor and
 * streamed as JSON, NDJSON or CSV (docs/api.md, "Bulk history").
 */
import type { FastifyReply } from 'fastify'
import type { RegisterEntry } from '../schemas/index.js'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { type BulkCursor, encodeBulkCursor, parseBulkCursor } from './bulk/cursor.js'
import { BULK_MEDIA_TYPES, type BulkFormat, bulkBody, valueFields } from './bulk/formats.js'
import { type BulkSensor, planPage } from './bulk/plan.js'
import { type BulkReading, pageAggregates, pageQuery, pageReadings } from './bulk/rows.js'
import { qualityJudge } from './bulk/status.js'
import { type Caller, callerOf } from './data-access.js'
import { licenceBlock } from './licence.js'
import { type FieldKind, fieldMapping, fieldsOf } from './mappings.js'
import {
  badParam,
  type Every,
  inBBox,
  parseBBox,
  parseEvery,
  parseSensorIds,
  parseTime,
  type TimeRange,
} from './params.js'
import { bulkQuery } from './route-schemas-bulk.js'

const BULK = {
  tags: ['bulk and live'],
  summary: 'Bulk history: the readings of every open sensor matching (borough, kind, sensor, bbox), paged by cursor',
  description:
    'Raw readings or 15m/1h/1d aggregates of many sensors at once, ordered by sensor then time (then lane and direction), ' +
    'as JSON, NDJSON (one reading a line) or CSV, streamed. Follow `next` / `Link: rel="next"` / `X-Next-Cursor` ' +
    'until there is none. Longest range per request: raw 31 days, 15m 92, 1h 366, 1d 3660.',
  querystring: bulkQuery,
} as const

/** The longest range one request may cover, per `every` (pages make any range cheap to serve). */
export const BULK_MAX_DAYS: Record<Every, number> = { raw: 31, '15m': 92, '1h': 366, '1d': 3660 }

export function registerBulkRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/readings', { schema: BULK }, (req, reply) => bulkHistory(ctx, req, reply))
}

type BulkQuery = RequestOf<typeof BULK>['query']

function bulkRange(q: BulkQuery, every: Every, now: number): TimeRange {
  const to = parseTime('to', q.to, now)
  const from = parseTime('from', q.from, to - 86_400_000)
  if (from >= to) throw badParam('from', 'must be before to')
  if (to - from > BULK_MAX_DAYS[every] * 86_400_000) {
    throw badParam('to', `range too long for every=${every}: at most ${BULK_MAX_DAYS[every]} days per request`)
  }
  return { from, to }
}

/** The register entries matching the filters whose readings the caller may read, by id. */
function readableSensors(ctx: ApiContext, caller: Caller, q: BulkQuery): RegisterEntry[] {
  const box = parseBBox(q.bbox)
  const ids = parseSensorIds(q.sensor)
  return ctx.registry
    .listSensors({ borough: q.borough, kind: q.kind })
    .map((r) => r.entry)
    .filter((e) => caller.mayRead(e) && (!box || inBBox(e.location.coordinates, box)) && (!ids || ids.has(e.id)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

function formatOf(req: RequestOf<typeof BULK>): BulkFormat {
  if (req.query.format) return req.query.format
  const accept = req.headers.accept ?? ''
  return accept.includes('application/x-ndjson') ? 'ndjson' : accept.includes('text/csv') ? 'csv' : 'json'
}

function nextUrl(ctx: ApiContext, req: RequestOf<typeof BULK>, next: BulkCursor): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(req.query)) if (v !== undefined && k !== 'cursor') params.set(k, String(v))
  params.set('cursor', encodeBulkCursor(next))
  return `${baseUrl(ctx, req)}/v1/readings?${params}`
}

async function bulkHistory(ctx: ApiContext, req: RequestOf<typeof BULK>, reply: FastifyReply) {
  const q = req.query
  const every = parseEvery(q.every ?? 'raw')
  if (q.status === 'raw' && every !== 'raw') {
    throw badParam('status', 'raw readings are not checked, so they are never aggregated: ask every=raw for them')
  }
  const range = bulkRange(q, every, ctx.now())
  const cursor = parseBulkCursor(q.cursor)
  const entries = readableSensors(ctx, await callerOf(ctx, req, reply), q)
  const sensors: BulkSensor[] = entries.map((e) => ({ id: e.id, kind: e.kind }))
  const plan = await planPage(ctx.influx, { sensors, range, every, limit: q.limit ?? 1000, cursor })
  const next = plan.next ? nextUrl(ctx, req, plan.next) : null
  if (plan.next && next) {
    reply.header('link', `<${next}>; rel="next"`)
    reply.header('x-next-cursor', encodeBulkCursor(plan.next))
  }
  const kinds: FieldKind[] = q.kind ? [q.kind] : ['air', 'traffic']
  const fields = valueFields(kinds)
  const boroughs = new Map(entries.map((e) => [e.id, e.borough]))
  const quality = qualityJudge(ctx.registry)
  const boroughOf = (id: string) => boroughs.get(id) ?? ''
  const batches: AsyncIterable<BulkReading[]> =
    every === 'raw'
      ? pageReadings(plan, plan.segments.length > 0 ? ctx.influxStream.chunks(pageQuery(plan)) : emptyChunks(), {
          every,
          judge: quality.judge,
          status: q.status,
          boroughOf,
        })
      : pageAggregates(plan, ctx.influx, { every, quality: quality.qualityOf, status: q.status, boroughOf })
  const format = formatOf(req)
  const preamble = {
    every,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    order: ['sensor', 'time', 'lane', 'direction'],
    units: Object.fromEntries(fields.map((f) => [f, fieldMapping(f)?.ucum])),
    aggregation:
      every === 'raw' ? null : Object.fromEntries(kinds.flatMap(fieldsOf).map((m) => [m.field, m.aggregate])),
    ...licenceBlock(),
    other_licences: otherLicences(
      entries,
      plan.segments.map((s) => s.sensor.id),
    ),
    next,
  }
  if (format !== 'json') reply.header('content-disposition', `inline; filename="streetsense-readings.${format}"`)
  return reply.type(BULK_MEDIA_TYPES[format]).send(bulkBody(batches, { format, every, fields, preamble }))
}

async function* emptyChunks() {}

/** Sensors of the page whose licence is not the default one: attribute them as their licence asks. */
function otherLicences(entries: RegisterEntry[], ids: string[]): Record<string, string> {
  const inPage = new Set(ids)
  const out: Record<string, string> = {}
  for (const e of entries) if (inPage.has(e.id) && e.licence && e.licence !== 'OGL-UK-3.0') out[e.id] = e.licence
  return out
}
