/** GET /v1/sensors, /v1/sensors/{id}, /v1/sensors/{id}/readings (in routes-readings.ts), /v1/latest. */
import type { FastifyReply } from 'fastify'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { toCsv } from './csv.js'
import { callerOf } from './data-access.js'
import { licenceBlock, setLicence } from './licence.js'
import { inBBox, parseBBox } from './params.js'
import { type PublicEntry, publicEntry } from './public-entry.js'
import { latestByBorough } from './queries.js'
import { sendCsv, wants } from './reply-formats.js'
import { idParams, latestQuery, sensorsQuery } from './route-schemas.js'
import { registerReadingsRoute } from './routes-readings.js'
import { requireSensor, sensorDetail } from './sensor-view.js'

const LIST_SENSORS = {
  tags: ['open data'],
  summary: 'The public register: every sensor, filterable; JSON, GeoJSON or CSV',
  querystring: sensorsQuery,
} as const

const SENSOR = {
  tags: ['open data'],
  summary: 'One register entry with last seen, completeness (24 h, 30 d), latest values and DAQI',
  params: idParams,
} as const

const LATEST = {
  tags: ['open data'],
  summary:
    'The newest reading of every sensor the caller may read (open data, or with an account also shared/restricted), optionally of one borough, from the last 7 days',
  querystring: latestQuery,
} as const

export function registerSensorRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/sensors', { schema: LIST_SENSORS }, (req, reply) => listSensors(ctx, req, reply))
  app.get('/v1/sensors/:id', { schema: SENSOR }, (req, reply) => getSensor(ctx, req, reply))
  registerReadingsRoute(app, ctx)
  app.get('/v1/latest', { schema: LATEST }, (req, reply) => latest(ctx, req, reply))
}

async function listSensors(ctx: ApiContext, req: RequestOf<typeof LIST_SENSORS>, reply: FastifyReply) {
  const q = req.query
  const box = parseBBox(q.bbox)
  const base = baseUrl(ctx, req)
  const entries = ctx.registry
    .listSensors({ borough: q.borough, kind: q.kind, status: q.status })
    .filter((r) => !box || inBBox(r.entry.location.coordinates, box))
    .map((r) => publicEntry(r, base))
  if (wants(req, q.format, 'application/geo+json', 'geojson')) {
    reply.header('content-type', 'application/geo+json')
    return registerGeoJson(entries)
  }
  if (wants(req, q.format, 'text/csv', 'csv')) return sendCsv(reply, 'streetsense-register.csv', registerCsv(entries))
  return { count: entries.length, sensors: entries, ...licenceBlock() }
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

async function getSensor(ctx: ApiContext, req: RequestOf<typeof SENSOR>, reply: FastifyReply) {
  const record = requireSensor(ctx, req.params.id)
  setLicence(reply, record.entry.licence)
  const detail = await sensorDetail(ctx, record, baseUrl(ctx, req), await callerOf(ctx, req, reply))
  return { ...detail, ...licenceBlock(record.entry.licence) }
}

async function latest(ctx: ApiContext, req: RequestOf<typeof LATEST>, reply: FastifyReply) {
  const { borough, kind } = req.query
  const caller = await callerOf(ctx, req, reply)
  const records = ctx.registry.listSensors({ borough, kind }).filter((r) => caller.mayRead(r.entry))
  const newest = await latestByBorough(ctx.influx, borough, 7 * 86_400_000, ctx.now())
  const sensors = records.map((r) => ({
    id: r.entry.id,
    name: r.entry.name,
    borough: r.entry.borough,
    kind: r.entry.kind,
    location: r.entry.location,
    readings: newest.get(r.entry.id)?.readings ?? [],
  }))
  return { count: sensors.length, sensors, ...licenceBlock() }
}
