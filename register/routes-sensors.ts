/** GET /v1/sensors, /v1/sensors/{id}, /v1/sensors/{id}/readings (in routes-readings.ts), /v1/latest. */
import type { FastifyReply } from 'fastify'
import type { RegisterEntry } from '../schemas/index.js'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { callerOf } from './data-access.js'
import { licenceBlock, setLicence } from './licence.js'
import { pointOf } from './public-entry.js'
import { judgeReadings } from './quality/judge-readings.js'
import { sensorQuality } from './quality/sensor-quality.js'
import { type ApiReading, latestByBorough } from './queries.js'
import { idParams, latestQuery } from './route-schemas.js'
import { registerReadingsRoute } from './routes-readings.js'
import { LIST_SENSORS, listSensors } from './sensor-list.js'
import { requireSensor, sensorDetail } from './sensor-view.js'

const SENSOR = {
  tags: ['open data'],
  summary: 'One register entry with last seen, completeness (24 h, 30 d), latest values and DAQI',
  params: idParams,
} as const

const LATEST = {
  tags: ['open data'],
  summary:
    'The newest readings of every open sensor that reported recently (within 1h, 24h or 7d); those in service that did not, apart',
  querystring: latestQuery,
} as const

export function registerSensorRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/sensors', { schema: LIST_SENSORS }, (req, reply) => listSensors(ctx, req, reply))
  app.get('/v1/sensors/:id', { schema: SENSOR }, (req, reply) => getSensor(ctx, req, reply))
  registerReadingsRoute(app, ctx)
  app.get('/v1/latest', { schema: LATEST }, (req, reply) => latest(ctx, req, reply))
}

async function getSensor(ctx: ApiContext, req: RequestOf<typeof SENSOR>, reply: FastifyReply) {
  const record = requireSensor(ctx, req.params.id)
  setLicence(reply, record.entry.licence)
  const detail = await sensorDetail(ctx, record, baseUrl(ctx, req), await callerOf(ctx, req, reply))
  return { ...detail, ...licenceBlock(record.entry.licence) }
}

const WITHIN_MS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const

/**
 * The readings of a sensor's newest interval: those that started within the newest one's
 * interval of it (a node may send its sensors as separate points; a counter one per lane).
 */
export function newestInterval(readings: ApiReading[]): ApiReading[] {
  const newest = readings.reduce<ApiReading | undefined>((a, r) => (!a || r.time > a.time ? r : a), undefined)
  if (!newest) return []
  const since = Date.parse(newest.time) - (newest.interval ?? 0) * 1000
  return readings.filter((r) => Date.parse(r.time) > since || r.time === newest.time)
}

/**
 * The newest readings of every open sensor that reported within `within`; the open sensors in
 * service that did not are listed apart, not counted. Retired sensors are in neither list.
 */
async function latest(ctx: ApiContext, req: RequestOf<typeof LATEST>, reply: FastifyReply) {
  const { borough, kind } = req.query
  const within = req.query.within ?? '24h'
  const caller = await callerOf(ctx, req, reply)
  const records = ctx.registry
    .listSensors({ borough, kind })
    .filter((r) => caller.mayRead(r.entry) && r.entry.status !== 'retired')
  const newest = await latestByBorough(ctx.influx, borough, WITHIN_MS[within], ctx.now())
  const view = (e: RegisterEntry) => ({
    id: e.id,
    name: e.name,
    borough: e.borough,
    kind: e.kind,
    status: e.status,
    location: pointOf(e),
  })
  const reporting = records.filter((r) => newest.has(r.entry.id))
  const silent = records.filter((r) => !newest.has(r.entry.id) && r.entry.status !== 'planned')
  const sensors = reporting.map((r) => ({
    ...view(r.entry),
    readings: judgeReadings(newestInterval(newest.get(r.entry.id)!.readings), sensorQuality(ctx.registry, r.entry.id)),
  }))
  const withoutRecent = silent.map((r) => ({ ...view(r.entry), last_seen: lastSeen(ctx, r.entry.id) }))
  return {
    within,
    count: sensors.length,
    sensors,
    without_recent_readings: { count: withoutRecent.length, sensors: withoutRecent },
    ...licenceBlock(),
  }
}

function lastSeen(ctx: ApiContext, id: string): string | null {
  const seen = ctx.stats?.get(id)?.lastSeen
  return seen ? new Date(seen).toISOString() : null
}
