/** GET /v1/sensors, /v1/sensors/{id}, /v1/sensors/{id}/readings (in routes-readings.ts), /v1/latest. */
import type { FastifyReply } from 'fastify'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { licenceBlock, setLicence } from './licence.js'
import { isOpenData } from './public-entry.js'
import { judgeReadings } from './quality/judge-readings.js'
import { sensorQuality } from './quality/sensor-quality.js'
import { latestByBorough } from './queries.js'
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
  summary: 'The newest reading of every open sensor (optionally of one borough), from the last 7 days',
  querystring: latestQuery,
} as const

export function registerSensorRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/sensors', { schema: LIST_SENSORS }, (req, reply) => listSensors(ctx, req, reply))
  app.get('/v1/sensors/:id', { schema: SENSOR }, (req, reply) => getSensor(ctx, req, reply))
  registerReadingsRoute(app, ctx)
  app.get('/v1/latest', { schema: LATEST }, (req) => latest(ctx, req))
}

async function getSensor(ctx: ApiContext, req: RequestOf<typeof SENSOR>, reply: FastifyReply) {
  const record = requireSensor(ctx, req.params.id)
  setLicence(reply, record.entry.licence)
  const detail = await sensorDetail(ctx, record, baseUrl(ctx, req))
  return { ...detail, ...licenceBlock(record.entry.licence) }
}

async function latest(ctx: ApiContext, req: RequestOf<typeof LATEST>) {
  const { borough, kind } = req.query
  const records = ctx.registry.listSensors({ borough, kind }).filter((r) => isOpenData(r.entry))
  const newest = await latestByBorough(ctx.influx, borough, 7 * 86_400_000, ctx.now())
  const sensors = records.map((r) => ({
    id: r.entry.id,
    name: r.entry.name,
    borough: r.entry.borough,
    kind: r.entry.kind,
    location: r.entry.location,
    readings: judgeReadings(newest.get(r.entry.id)?.readings ?? [], sensorQuality(ctx.registry, r.entry.id)),
  }))
  return { count: sensors.length, sensors, ...licenceBlock() }
}
