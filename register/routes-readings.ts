/** GET /v1/sensors/{id}/readings: raw readings or 15m/1h/1d aggregates of one sensor the caller may read, keyset-paged. */
import type { FastifyReply } from 'fastify'
import type { RegisterEntry } from '../schemas/index.js'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { toCsv } from './csv.js'
import { callerOf, requireReadable } from './data-access.js'
import { licenceBlock, setLicence } from './licence.js'
import { type FieldMapping, fieldsOf } from './mappings.js'
import { type Every, encodeCursor, parseCursor, parseEvery, parseLimit, parseRange, type TimeRange } from './params.js'
import { type ApiReading, type ReadingsPage, readingsPage } from './queries.js'
import { sendCsv, wants } from './reply-formats.js'
import { idParams, readingsQuery } from './route-schemas.js'
import { requireSensor } from './sensor-view.js'

const READINGS = {
  tags: ['open data'],
  summary: 'Readings of one sensor: raw or 15m/1h/1d aggregates (means for air, sums for counts), paged',
  params: idParams,
  querystring: readingsQuery,
} as const

export function registerReadingsRoute(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/sensors/:id/readings', { schema: READINGS }, (req, reply) => listReadings(ctx, req, reply))
}

/** One page as the client asked for it: the query parsed and bounded. */
interface PageRequest {
  entry: RegisterEntry
  every: Every
  range: TimeRange
  limit: number
}

async function listReadings(ctx: ApiContext, req: RequestOf<typeof READINGS>, reply: FastifyReply) {
  const { entry } = requireSensor(ctx, req.params.id)
  requireReadable(await callerOf(ctx, req, reply), entry)
  setLicence(reply, entry.licence)
  const q = req.query
  const every = parseEvery(q.every)
  const asked: PageRequest = { entry, every, range: parseRange(q, every, ctx.now()), limit: parseLimit(q.limit) }
  const page = await readingsPage(ctx.influx, entry.id, entry.kind, {
    ...asked.range,
    every,
    limit: asked.limit,
    cursor: parseCursor(q.cursor),
  })
  let next: string | null = null
  if (page.next) {
    next = nextPageUrl(baseUrl(ctx, req), asked, page.next, q.format)
    reply.header('link', `<${next}>; rel="next"`)
    reply.header('x-next-cursor', encodeCursor(page.next))
  }
  if (wants(req, q.format, 'text/csv', 'csv')) {
    return sendCsv(reply, `${entry.id}-${every}.csv`, readingsCsv(entry, every, page.readings))
  }
  return readingsBody(asked, page, next)
}

function nextPageUrl(
  base: string,
  asked: PageRequest,
  cursor: NonNullable<ReadingsPage['next']>,
  format: string | undefined,
) {
  const params = new URLSearchParams({
    from: new Date(asked.range.from).toISOString(),
    to: new Date(asked.range.to).toISOString(),
    every: asked.every,
    limit: String(asked.limit),
    cursor: encodeCursor(cursor),
  })
  if (format) params.set('format', format)
  return `${base}/v1/sensors/${encodeURIComponent(asked.entry.id)}/readings?${params}`
}

function readingsCsv(entry: RegisterEntry, every: Every, readings: ApiReading[]): string {
  const fields: FieldMapping[] = fieldsOf(entry.kind)
  const traffic = entry.kind === 'traffic'
  const header = ['time', 'sensor', ...(traffic ? ['lane', 'direction'] : [])]
  const tail = every === 'raw' ? ['seq', 'interval', 'suspect', 'flags'] : []
  const rows = readings.map((r) => [
    r.time,
    entry.id,
    ...(traffic ? [r.lane, r.direction] : []),
    ...fields.map((f) => r.values[f.field]),
    ...(every === 'raw' ? [r.seq, r.interval, r.suspect, r.flags?.join(' ')] : []),
  ])
  return toCsv([...header, ...fields.map((f) => f.field), ...tail], rows)
}

function readingsBody({ entry, every, range }: PageRequest, page: ReadingsPage, next: string | null) {
  const fields = fieldsOf(entry.kind)
  return {
    sensor: entry.id,
    kind: entry.kind,
    every,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    aggregation: Object.fromEntries(fields.map((f) => [f.field, every === 'raw' ? 'none' : f.aggregate])),
    units: Object.fromEntries(fields.map((f) => [f.field, f.ucum])),
    count: page.readings.length,
    readings: page.readings,
    next,
    ...licenceBlock(entry.licence),
  }
}
