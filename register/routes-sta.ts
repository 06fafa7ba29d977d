/** A SensorThings-style read API under /v1/sta (shapes of OGC SensorThings API v1.1; see sta.ts). */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { StreetsenseError } from '../core/index.js'
import { type ApiContext, baseUrl, licenceBlock } from './http-common.js'
import { literal } from './influx-read.js'
import { MEASUREMENT } from './mappings.js'
import { badParam } from './params.js'
import { staQuery } from './schemas.js'
import { requireOpen, requireSensor } from './sensor-view.js'
import { datastream, datastreamFields, observation, parseStaPath, thing } from './sta.js'

export function registerStaRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const staRoot = (req: FastifyRequest) => `${baseUrl(ctx, req)}/v1/sta`

  app.get('/v1/sta', { schema: { tags: ['sensorthings'], summary: 'SensorThings landing page' } }, async (req) => {
    const root = staRoot(req)
    return {
      serverSettings: { conformance: ['http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel'] },
      value: ['Things', 'Datastreams'].map((name) => ({ name, url: `${root}/${name}` })),
      ...licenceBlock(),
    }
  })

  app.get(
    '/v1/sta/*',
    {
      schema: {
        tags: ['sensorthings'],
        summary:
          "Things, Things('id'), Things('id')/Datastreams, Datastreams, Datastreams('id'), Datastreams('id')/Observations",
        querystring: staQuery,
      },
    },
    async (req) => {
      const path = decodeURIComponent((req.params as { '*': string })['*'])
      const parsed = parseStaPath(path)
      if (!parsed) throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no SensorThings resource ${path}`)
      const q = req.query as { $top?: number; $skip?: number; $count?: boolean }
      const top = q.$top ?? 100
      const skip = q.$skip ?? 0
      const root = staRoot(req)
      const page = <T>(all: T[]) => {
        const value = all.slice(skip, skip + top)
        const body: Record<string, unknown> = { value }
        if (q.$count) body['@iot.count'] = all.length
        if (skip + top < all.length) body['@iot.nextLink'] = `${root}/${path}?$top=${top}&$skip=${skip + top}`
        return { ...body, ...licenceBlock() }
      }
      const { collection, id, nav } = parsed
      if (collection === 'Things' && !id) return page(ctx.registry.listSensors().map((r) => thing(r.entry, root)))
      if (collection === 'Things' && id && !nav)
        return { ...thing(requireSensor(ctx, id).entry, root), ...licenceBlock() }
      if (collection === 'Things' && id && nav === 'Locations')
        return page(thing(requireSensor(ctx, id).entry, root).Locations)
      if (collection === 'Things' && id && nav === 'Datastreams') {
        const entry = requireSensor(ctx, id).entry
        return page(datastreamFields(entry).map((m) => datastream(entry, m, root)))
      }
      if (collection === 'Datastreams' && !id) {
        return page(
          ctx.registry.listSensors().flatMap((r) => datastreamFields(r.entry).map((m) => datastream(r.entry, m, root))),
        )
      }
      if (collection === 'Datastreams' && id) {
        const cut = id.lastIndexOf(':')
        const entry = requireSensor(ctx, id.slice(0, Math.max(cut, 0))).entry
        const m = datastreamFields(entry).find((f) => f.field === id.slice(cut + 1))
        if (!m) throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no Datastream ${id}`)
        if (!nav) return { ...datastream(entry, m, root), ...licenceBlock(entry.licence) }
        if (nav !== 'Observations') throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no navigation ${nav}`)
        requireOpen(entry)
        if (skip > 100_000) throw badParam('$skip', 'at most 100000')
        const f = m
        const extraCols = entry.kind === 'traffic' ? ', "lane", "direction"' : ''
        const [rows = []] = await ctx.influx.query(
          `SELECT "${f.field}", "interval"${extraCols} FROM "${MEASUREMENT[entry.kind]}" WHERE "sensor" = ${literal(entry.id)} ` +
            `ORDER BY time DESC LIMIT ${top + 1} OFFSET ${skip}`,
        )
        const value = rows
          .slice(0, top)
          .filter((r) => typeof r[f.field] === 'number')
          .map((r) => {
            const o: Record<string, unknown> = observation(
              id,
              new Date(r.time).toISOString(),
              Number(r.interval) || undefined,
              r[f.field] as number,
            )
            if (entry.kind === 'traffic') o.parameters = { lane: r.lane, direction: r.direction }
            return o
          })
        const body: Record<string, unknown> = { value, ...licenceBlock(entry.licence) }
        if (rows.length > top) body['@iot.nextLink'] = `${root}/${path}?$top=${top}&$skip=${skip + top}`
        return body
      }
      throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no SensorThings resource ${path}`)
    },
  )
}
