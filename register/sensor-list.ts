/**
 * GET /v1/sensors: one page of the public register as JSON, GeoJSON or CSV, with the total and the
 * next page's URL. Rendered once per register version and representation (register-cache.ts).
 */
import type { FastifyReply } from 'fastify'
import { toCsv } from '../core/index.js'
import type { SensorFilter } from '../registry/index.js'
import { type ApiContext, baseUrl, type RequestOf } from './api-context.js'
import { addVary } from './caching.js'
import { licenceBlock } from './licence.js'
import { parseBBox } from './params.js'
import { type PublicEntry, publicEntry } from './public-entry.js'
import { normalisedQuery, type Rendered, sendRegisterReply } from './register-cache.js'
import { wants } from './reply-formats.js'
import { sensorsQuery } from './route-schemas.js'

export const LIST_SENSORS = {
  tags: ['open data'],
  summary: 'The public register, one page at a time (limit, page), filterable; JSON, GeoJSON or CSV',
  querystring: sensorsQuery,
} as const

export const DEFAULT_PAGE_SIZE = 100

type Format = 'json' | 'geojson' | 'csv'

interface ListPage {
  filter: SensorFilter
  format: Format
  limit: number
  page: number
  base: string
}

export function listSensors(ctx: ApiContext, req: RequestOf<typeof LIST_SENSORS>, reply: FastifyReply) {
  const q = req.query
  const box = parseBBox(q.bbox)
  const format: Format =
    q.format ??
    (wants(req, undefined, 'application/geo+json', 'geojson')
      ? 'geojson'
      : wants(req, undefined, 'text/csv', 'csv')
        ? 'csv'
        : 'json')
  const asked: ListPage = {
    filter: {
      borough: q.borough,
      kind: q.kind,
      status: q.status,
      ...(box ? { bbox: [box.minLon, box.minLat, box.maxLon, box.maxLat] } : {}),
    },
    format,
    limit: q.limit ?? DEFAULT_PAGE_SIZE,
    page: q.page ?? 1,
    base: baseUrl(ctx, req),
  }
  addVary(reply, 'Accept')
  const variant = `/v1/sensors?${normalisedQuery({ ...q, format, limit: asked.limit, page: asked.page })}\n${asked.base}`
  return sendRegisterReply(ctx, req, reply, variant, () =>
    renderPage(ctx, asked, String(reply.getHeader('link') ?? '')),
  )
}

function renderPage(ctx: ApiContext, asked: ListPage, licenceLink: string): Rendered {
  const { filter, limit, page, base, format } = asked
  const total = ctx.registry.countSensors(filter)
  const entries = ctx.registry
    .listSensors({ ...filter, limit, offset: (page - 1) * limit })
    .map((r) => publicEntry(r, base))
  const next = page * limit < total ? nextUrl(asked) : null
  const headers: Record<string, string> = { 'x-total-count': String(total) }
  if (next) headers.link = [licenceLink, `<${next}>; rel="next"`].filter(Boolean).join(', ')
  const paging = { count: entries.length, total, page, next }
  if (format === 'csv') {
    headers['content-type'] = 'text/csv; charset=utf-8'
    headers['content-disposition'] = `attachment; filename="streetsense-register${page > 1 ? `-${page}` : ''}.csv"`
    return { body: registerCsv(entries), headers }
  }
  headers['content-type'] = format === 'geojson' ? 'application/geo+json' : 'application/json; charset=utf-8'
  const body =
    format === 'geojson'
      ? { ...registerGeoJson(entries), ...paging }
      : { ...paging, sensors: entries, ...licenceBlock() }
  return { body: JSON.stringify(body), headers }
}

function nextUrl({ filter, format, limit, page, base }: ListPage): string {
  const params = new URLSearchParams()
  for (const key of ['borough', 'kind', 'status'] as const) if (filter[key]) params.set(key, filter[key])
  if (filter.bbox) params.set('bbox', filter.bbox.join(','))
  if (format !== 'json') params.set('format', format)
  params.set('limit', String(limit))
  params.set('page', String(page + 1))
  return `${base}/v1/sensors?${params}`
}

function registerGeoJson(entries: PublicEntry[]) {
  return {
    type: 'FeatureCollection',
    ...licenceBlock(),
    features: entries.map(({ location, ...properties }) => ({
      type: 'Feature',
      id: properties.id,
      geometry: location,
      properties,
    })),
  }
}

const REGISTER_CSV_HEADER = ['id', 'name', 'borough', 'borough_name', 'kind', 'status', 'longitude', 'latitude']
const REGISTER_CSV_EXTRA = [
  'uprn',
  'usrn',
  'operator',
  'personal_data',
  'legal_basis',
  'retention',
  'licence',
  'sharing',
]

function registerCsv(entries: PublicEntry[]): string {
  const rows = entries.map((e) => [
    e.id,
    e.name,
    e.borough,
    e.borough_name,
    e.kind,
    e.status,
    e.location?.coordinates[0],
    e.location?.coordinates[1],
    e.uprn,
    e.usrn,
    e.operator?.name,
    e.personal_data,
    e.legal_basis,
    e.retention,
    e.licence,
    e.sharing,
  ])
  return toCsv([...REGISTER_CSV_HEADER, ...REGISTER_CSV_EXTRA], rows)
}
