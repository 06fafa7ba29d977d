/**
 * GET /v1/sensors/{id}/readings: raw readings or 15m/1h/1d aggregates of one open sensor,
 * keyset-paged. Raw readings carry their status, failed values and corrected values; aggregates
 * are of the values that passed QC (or an operator's ratification), with count, excluded and
 * coverage per field (docs/data-quality.md).
 */
import type { FastifyReply } from 'fastify'
import { toCsv } from '../core/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { licenceBlock, setLicence } from './licence.js'
import { type FieldMapping, fieldsOf } from './mappings.js'
import {
  badParam,
  type Every,
  encodeCursor,
  parseCursor,
  parseEvery,
  parseLimit,
  parseRange,
  type TimeRange,
} from './params.js'
import type { AggregateRow, DataStatus, SensorQuality } from './quality/aggregates.js'
import { calibrationSummary } from './quality/corrections.js'
import { QUALITY_COLUMNS, qualityCells } from './quality/judge-readings.js'
import { sensorQuality } from './quality/sensor-quality.js'
import { type ApiReading, type ReadingsPage, readingsPage } from './queries.js'
import { sendCsv, wants } from './reply-formats.js'
import { idParams, readingsQuery } from './route-schemas.js'
import { requireOpen, requireSensor } from './sensor-view.js'

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
  status?: DataStatus
  version?: number
}

async function listReadings(ctx: ApiContext, req: RequestOf<typeof READINGS>, reply: FastifyReply) {
  const { entry } = requireSensor(ctx, req.params.id)
  requireOpen(entry)
  setLicence(reply, entry.licence)
  const q = req.query
  const every = parseEvery(q.every)
  if (q.status === 'raw' && every !== 'raw') {
    throw badParam('status', 'raw readings are not checked, so they are never aggregated: ask every=raw for them')
  }
  const asked: PageRequest = {
    entry,
    every,
    range: parseRange(q, every, ctx.now()),
    limit: parseLimit(q.limit),
    ...(q.status ? { status: q.status } : {}),
    ...(q.version ? { version: q.version } : {}),
  }
  const quality = sensorQuality(ctx.registry, entry.id)
  const page = await readingsPage(ctx.influx, entry.id, entry.kind, quality, {
    ...asked.range,
    every,
    limit: asked.limit,
    cursor: parseCursor(q.cursor),
    status: asked.status,
    asOf: asked.version,
    fields: measuredFields(entry),
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
  return readingsBody(ctx, asked, page, next, quality)
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
  if (asked.status) params.set('status', asked.status)
  if (asked.version) params.set('version', String(asked.version))
  return `${base}/v1/sensors/${encodeURIComponent(asked.entry.id)}/readings?${params}`
}

/** What a sensor's aggregates are computed for: the fields its entry says it measures. */
function measuredFields(entry: RegisterEntry): string[] | undefined {
  const measured = new Set<string>([...entry.measures, ...(entry.kind === 'traffic' ? ['total_vehicles'] : [])])
  const fields = fieldsOf(entry.kind)
    .map((f) => f.field)
    .filter((f) => measured.has(f))
  return fields.length > 0 ? fields : undefined
}

const isAggregate = (r: ApiReading | AggregateRow): r is AggregateRow => 'count' in r

function readingsCsv(entry: RegisterEntry, every: Every, readings: (ApiReading | AggregateRow)[]): string {
  const fields: FieldMapping[] = fieldsOf(entry.kind)
  const names = fields.map((f) => f.field)
  if (every !== 'raw') {
    const header = ['time', 'sensor', 'status', 'version']
    for (const f of names) header.push(f, `${f}_count`, `${f}_excluded`, `${f}_coverage`, `${f}_corrected`)
    const rows = readings
      .filter(isAggregate)
      .map((r) => [
        r.time,
        entry.id,
        r.status,
        r.version,
        ...names.flatMap((f) => [r.values[f], r.count[f], r.excluded[f], r.coverage[f], r.corrected?.[f]]),
      ])
    return toCsv(header, rows)
  }
  const traffic = entry.kind === 'traffic'
  const header = ['time', 'sensor', ...(traffic ? ['lane', 'direction'] : [])]
  const tail = ['seq', 'interval', ...QUALITY_COLUMNS]
  const rows = (readings as ApiReading[]).map((r) => [
    r.time,
    entry.id,
    ...(traffic ? [r.lane, r.direction] : []),
    ...names.map((f) => r.values[f]),
    ...names.map((f) => r.corrected?.[f]),
    r.seq,
    r.interval,
    ...qualityCells(r),
  ])
  return toCsv([...header, ...names, ...names.map((f) => `${f}_corrected`), ...tail], rows)
}

function readingsBody(
  ctx: ApiContext,
  { entry, every, range, status, version }: PageRequest,
  page: ReadingsPage,
  next: string | null,
  quality: SensorQuality,
) {
  const fields = fieldsOf(entry.kind)
  return {
    sensor: entry.id,
    kind: entry.kind,
    every,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    status: status ?? null,
    version: version ?? null,
    aggregation: Object.fromEntries(fields.map((f) => [f.field, every === 'raw' ? 'none' : f.aggregate])),
    units: Object.fromEntries(fields.map((f) => [f.field, f.ucum])),
    corrections: correctionsUsed(ctx, quality, page.readings),
    count: page.readings.length,
    readings: page.readings,
    next,
    ...licenceBlock(entry.licence),
  }
}

/** What each corrected field of the page was corrected with (the calibrations applied to it). */
function correctionsUsed(ctx: ApiContext, quality: SensorQuality, readings: (ApiReading | AggregateRow)[]) {
  const corrected = new Set(readings.flatMap((r) => Object.keys(r.corrected ?? {})))
  const out: Record<string, ReturnType<typeof calibrationSummary>[]> = {}
  for (const c of quality.calibrations) {
    if (!c.applied || !corrected.has(c.field)) continue
    const list = out[c.field] ?? []
    out[c.field] = list
    list.push(calibrationSummary(c, ctx.registry.getSensor(c.reference)?.entry.name))
  }
  return out
}
