/**
 * The OGC SensorThings API 1.1 read service under /v1/sta (register/sta/: data model, resource
 * paths, query options, $filter pushed down to InfluxQL where it can be).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { StreetsenseError } from '../core/index.js'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { callerOf } from './data-access.js'
import { licenceBlock, setLicence } from './licence.js'
import { staPathParams, staQuery } from './route-schemas.js'
import { Catalog } from './sta/catalog.js'
import { landingPage, serveSta } from './sta/serve.js'

const LANDING = {
  tags: ['sensorthings'],
  summary: 'SensorThings landing page: entity sets and conformance',
  // Takes the query options (and ignores them: it is not a collection); anything else is a 400.
  querystring: { ...staQuery, additionalProperties: false },
} as const
const RESOURCE = {
  tags: ['sensorthings'],
  summary:
    "Entity sets (Things, Locations, HistoricalLocations, Datastreams, Sensors, ObservedProperties, Observations, FeaturesOfInterest), entities (Things('id')), properties and $value, navigation (Things('id')/Datastreams) and $ref",
  description:
    'OGC SensorThings API 1.1 (read). Query options: $filter, $expand (nested), $select, $orderby, $top (at most 1000), $skip, $count. See docs/api.md.',
  querystring: staQuery,
  params: staPathParams,
} as const

export function registerStaRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/sta', { schema: LANDING }, async (req) => ({ ...landingPage(staRoot(ctx, req)), ...licenceBlock() }))
  app.get('/v1/sta/*', { schema: RESOURCE }, (req, reply) => resource(ctx, req, reply))
}

function staRoot(ctx: ApiContext, req: FastifyRequest): string {
  return `${baseUrl(ctx, req)}/v1/sta`
}

/** The path, percent-decoded once more (as it always was); a stray '%' left by the router is no resource. */
function decodedPath(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no SensorThings resource ${raw}`)
  }
}

async function resource(ctx: ApiContext, req: RequestOf<typeof RESOURCE>, reply: FastifyReply) {
  const path = decodedPath(req.params['*'])
  const root = staRoot(ctx, req)
  if (path.replace(/\/+$/, '') === '') return { ...landingPage(root), ...licenceBlock() }
  const catalog = new Catalog(
    ctx.registry.listSensors(),
    (id) => `${baseUrl(ctx, req)}/sensors/${encodeURIComponent(id)}`,
  )
  const caller = await callerOf(ctx, req, reply)
  const answer = await serveSta(
    { influx: ctx.influx, catalog, now: ctx.now(), root, expanded: { observations: 0 }, caller },
    path,
    req.query,
  )
  if (answer.licence) setLicence(reply, answer.licence)
  reply.code(answer.status)
  if (answer.status === 204) return reply.send()
  if (answer.text) return reply.type('text/plain; charset=utf-8').send(answer.body)
  return { ...(answer.body as Record<string, unknown>), ...licenceBlock(answer.licence) }
}
