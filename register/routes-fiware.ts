/**
 * GET /v1/export/fiware: a borough's newest open readings as FIWARE Smart Data Models entities in
 * NGSI-LD, normalized (with unitCode) or keyValues; and the JSON-LD @context they use.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { type Caller, callerOf } from './data-access.js'
import { airQualityObserved, trafficFlowObserved } from './fiware.js'
import { type InfluxRow, literal, timeLiteral } from './influx-read.js'
import { NGSI_LD_CONTEXT, type NgsiEntity, type NgsiRepresentation, represent } from './ngsi-ld.js'
import { badParam, parseTime } from './params.js'
import { judgeReadings } from './quality/judge-readings.js'
import { sensorQuality } from './quality/sensor-quality.js'
import { toApiReading } from './queries.js'
import { exportFiwareQuery } from './route-schemas.js'
import { readableSensorsOf } from './routes-export.js'

const FIWARE = {
  tags: ['exports'],
  summary:
    'FIWARE AirQualityObserved / TrafficFlowObserved entities of a borough at a time, NGSI-LD normalized (options=normalized or format=normalized, with unitCode) or keyValues (the default)',
  querystring: exportFiwareQuery,
} as const

const CONTEXT = {
  tags: ['exports'],
  summary: 'The JSON-LD @context of the FIWARE export (for Accept: application/json)',
} as const
const CONTEXT_PATH = '/v1/export/fiware/context.jsonld'

export function registerFiwareRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/export/fiware', { schema: FIWARE }, (req, reply) => fiwareExport(ctx, req, reply))
  app.get(CONTEXT_PATH, { schema: CONTEXT }, async (_req, reply) => {
    reply.type('application/ld+json; charset=utf-8')
    return { '@context': NGSI_LD_CONTEXT }
  })
}

/** NGSI-LD's options=keyValues|simplified|normalized and format=...: keyValues unless asked, and never both ways at once. */
function representationOf(q: { options?: string; format?: string }): NgsiRepresentation {
  const as = (v: string | undefined): NgsiRepresentation | undefined =>
    v === undefined ? undefined : v === 'normalized' ? 'normalized' : 'keyValues'
  const [byOptions, byFormat] = [as(q.options), as(q.format)]
  if (byOptions && byFormat && byOptions !== byFormat) {
    throw badParam('format', `format=${q.format} contradicts options=${q.options}: give one of them`)
  }
  return byFormat ?? byOptions ?? 'keyValues'
}

/** NGSI-LD: Accept application/json moves the @context into a Link header; application/ld+json keeps it in the body. */
function contextInBody(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? ''
  return !/application\/json/.test(accept) || /application\/ld\+json/.test(accept)
}

/** The newest point of each sensor of a borough (per lane and direction for traffic) in the 24 h up to `at`. */
async function latestRowsAt(ctx: ApiContext, borough: string, at: number): Promise<InfluxRow[][]> {
  const where = `"borough" = ${literal(borough)} AND time <= ${timeLiteral(at)} AND time > ${timeLiteral(at - 86_400_000)}`
  return ctx.influx.query(
    `SELECT * FROM "air" WHERE ${where} GROUP BY "sensor" ORDER BY time DESC LIMIT 1; ` +
      `SELECT * FROM "traffic" WHERE ${where} GROUP BY "sensor", "lane", "direction" ORDER BY time DESC LIMIT 1`,
  )
}

async function entitiesAt(
  ctx: ApiContext,
  caller: Caller,
  borough: string,
  at: number,
  base: string,
): Promise<NgsiEntity[]> {
  const bySensor = new Map(readableSensorsOf(ctx, caller, borough).map((entry) => [entry.id, entry]))
  const [air = [], traffic = []] = await latestRowsAt(ctx, borough, at)
  const entities: NgsiEntity[] = []
  for (const row of air) {
    const entry = bySensor.get(String(row.sensor))
    if (entry?.kind !== 'air') continue
    // Judged as the readings API judges it: values failed by QC or an operator are left out.
    const [reading] = judgeReadings([toApiReading(row, 'air')], sensorQuality(ctx.registry, entry.id))
    entities.push(airQualityObserved(entry, reading!, `${base}/sensors/${entry.id}`))
  }
  for (const row of traffic) {
    const entry = bySensor.get(String(row.sensor))
    if (entry?.kind === 'traffic') {
      entities.push(...trafficFlowObserved(entry, toApiReading(row, 'traffic'), `${base}/sensors/${entry.id}`))
    }
  }
  return entities
}

async function fiwareExport(ctx: ApiContext, req: RequestOf<typeof FIWARE>, reply: FastifyReply) {
  const as = representationOf(req.query)
  const at = parseTime('at', req.query.at, ctx.now())
  const base = baseUrl(ctx, req)
  const caller = await callerOf(ctx, req, reply)
  const entities = (await entitiesAt(ctx, caller, req.query.borough, at, base)).map((e) => represent(e, as))
  if (contextInBody(req)) {
    reply.type('application/ld+json; charset=utf-8')
    return entities.map((e) => ({ ...e, '@context': NGSI_LD_CONTEXT }))
  }
  const context = `<${base}${CONTEXT_PATH}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`
  reply.header('link', [reply.getHeader('link'), context].filter(Boolean).join(', '))
  reply.type('application/json; charset=utf-8')
  return entities
}
