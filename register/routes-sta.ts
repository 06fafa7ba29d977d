/** A SensorThings-style read API under /v1/sta (shapes of OGC SensorThings API v1.1; see sta.ts). */
import type { FastifyRequest } from 'fastify'
import { StreetsenseError } from '../core/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { literal } from './influx-read.js'
import { licenceBlock } from './licence.js'
import { type FieldMapping, MEASUREMENT } from './mappings.js'
import { badParam } from './params.js'
import { staPathParams, staQuery } from './route-schemas.js'
import { requireOpen, requireSensor } from './sensor-view.js'
import { datastream, datastreamFields, observation, parseStaPath, thing } from './sta.js'

const LANDING = { tags: ['sensorthings'], summary: 'SensorThings landing page' } as const
const RESOURCE = {
  tags: ['sensorthings'],
  summary:
    "Things, Things('id'), Things('id')/Datastreams, Datastreams, Datastreams('id'), Datastreams('id')/Observations",
  querystring: staQuery,
  params: staPathParams,
} as const

/** One request for a resource: its path after /v1/sta/, the service root, and the paging options. */
interface StaRequest {
  path: string
  root: string
  top: number
  skip: number
  count: boolean
}

export function registerStaRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/sta', { schema: LANDING }, async (req) => landing(staRoot(ctx, req)))
  app.get('/v1/sta/*', { schema: RESOURCE }, (req) => resource(ctx, req))
}

function staRoot(ctx: ApiContext, req: FastifyRequest): string {
  return `${baseUrl(ctx, req)}/v1/sta`
}

function landing(root: string) {
  return {
    serverSettings: { conformance: ['http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel'] },
    value: ['Things', 'Datastreams'].map((name) => ({ name, url: `${root}/${name}` })),
    ...licenceBlock(),
  }
}

function noResource(path: string): StreetsenseError {
  return new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no SensorThings resource ${path}`)
}

/** The path, percent-decoded once more (as it always was); a stray '%' left by the router is no resource. */
function decodedPath(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw noResource(raw)
  }
}

async function resource(ctx: ApiContext, req: RequestOf<typeof RESOURCE>) {
  const path = decodedPath(req.params['*'])
  const parsed = parseStaPath(path)
  if (!parsed) throw noResource(path)
  const sr: StaRequest = {
    path,
    root: staRoot(ctx, req),
    top: req.query.$top ?? 100,
    skip: req.query.$skip ?? 0,
    count: req.query.$count === true,
  }
  if (parsed.collection === 'Things') return things(ctx, sr, parsed.id, parsed.nav)
  if (parsed.collection === 'Datastreams') return datastreams(ctx, sr, parsed.id, parsed.nav)
  throw noResource(path)
}

/** A page of a collection: `$top` entities from `$skip`, the total with `$count`, and the next link. */
function staPage<T>(sr: StaRequest, all: T[]) {
  const body: Record<string, unknown> = { value: all.slice(sr.skip, sr.skip + sr.top) }
  if (sr.count) body['@iot.count'] = all.length
  if (sr.skip + sr.top < all.length) body['@iot.nextLink'] = nextLink(sr)
  return { ...body, ...licenceBlock() }
}

function nextLink(sr: StaRequest): string {
  return `${sr.root}/${sr.path}?$top=${sr.top}&$skip=${sr.skip + sr.top}`
}

function things(ctx: ApiContext, sr: StaRequest, id: string | undefined, nav: string | undefined) {
  if (!id)
    return staPage(
      sr,
      ctx.registry.listSensors().map((r) => thing(r.entry, sr.root)),
    )
  if (nav !== undefined && nav !== 'Locations' && nav !== 'Datastreams') throw noResource(sr.path)
  const entry = requireSensor(ctx, id).entry
  if (nav === 'Locations') return staPage(sr, thing(entry, sr.root).Locations)
  if (nav === 'Datastreams')
    return staPage(
      sr,
      datastreamFields(entry).map((m) => datastream(entry, m, sr.root)),
    )
  return { ...thing(entry, sr.root), ...licenceBlock() }
}

async function datastreams(ctx: ApiContext, sr: StaRequest, id: string | undefined, nav: string | undefined) {
  if (!id) {
    const all = ctx.registry
      .listSensors()
      .flatMap((r) => datastreamFields(r.entry).map((m) => datastream(r.entry, m, sr.root)))
    return staPage(sr, all)
  }
  // A Datastream id is <sensor id>:<field>.
  const cut = id.lastIndexOf(':')
  const entry = requireSensor(ctx, id.slice(0, Math.max(cut, 0))).entry
  const field = datastreamFields(entry).find((f) => f.field === id.slice(cut + 1))
  if (!field) throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no Datastream ${id}`)
  if (!nav) return { ...datastream(entry, field, sr.root), ...licenceBlock(entry.licence) }
  if (nav !== 'Observations') throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no navigation ${nav}`)
  return observations(ctx, sr, id, entry, field)
}

/** Observations of one Datastream, newest first, paged in InfluxDB (LIMIT/OFFSET). */
async function observations(ctx: ApiContext, sr: StaRequest, id: string, entry: RegisterEntry, f: FieldMapping) {
  requireOpen(entry)
  if (sr.skip > 100_000) throw badParam('$skip', 'at most 100000')
  const traffic = entry.kind === 'traffic'
  const [rows = []] = await ctx.influx.query(
    `SELECT "${f.field}", "interval"${traffic ? ', "lane", "direction"' : ''} FROM "${MEASUREMENT[entry.kind]}" ` +
      `WHERE "sensor" = ${literal(entry.id)} ORDER BY time DESC LIMIT ${sr.top + 1} OFFSET ${sr.skip}`,
  )
  const value = rows
    .slice(0, sr.top)
    .filter((r) => typeof r[f.field] === 'number')
    .map((r) => {
      const o: Record<string, unknown> = observation(
        id,
        new Date(r.time).toISOString(),
        Number(r.interval) || undefined,
        Number(r[f.field]),
      )
      if (traffic) o.parameters = { lane: r.lane, direction: r.direction }
      return o
    })
  const body: Record<string, unknown> = { value, ...licenceBlock(entry.licence) }
  if (rows.length > sr.top) body['@iot.nextLink'] = nextLink(sr)
  return body
}
