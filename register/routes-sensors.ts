/** GET /v1/sensors, /v1/sensors/{id}, /v1/sensors/{id}/readings, /v1/latest. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { toCsv } from './csv.js'
import { type ApiContext, baseUrl, licenceBlock, setLicence } from './http-common.js'
import { fieldsOf } from './mappings.js'
import { encodeCursor, inBBox, parseBBox, parseCursor, parseEvery, parseLimit, parseRange } from './params.js'
import { isOpenData, publicEntry } from './public-entry.js'
import { latestByBorough, readingsPage } from './queries.js'
import { idParams, latestQuery, readingsQuery, sensorsQuery } from './schemas.js'
import { requireOpen, requireSensor, sensorDetail } from './sensor-view.js'

type Q = Record<string, string | undefined>

function wants(req: FastifyRequest, format: string | undefined, mime: string, name: string): boolean {
  if (format) return format === name
  return (req.headers.accept ?? '').includes(mime)
}

function sendCsv(reply: FastifyReply, filename: string, body: string) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(body)
}

export function registerSensorRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/sensors',
    {
      schema: {
        tags: ['open data'],
        summary: 'The public register: every sensor, filterable; JSON, GeoJSON or CSV',
        querystring: sensorsQuery,
      },
    },
    async (req, reply) => {
      const q = req.query as Q
      const box = parseBBox(q.bbox)
      const base = baseUrl(ctx, req)
      const records = ctx.registry
        .listSensors({ borough: q.borough, kind: q.kind, status: q.status })
        .filter((r) => !box || inBBox(r.entry.location.coordinates, box))
      const entries = records.map((r) => publicEntry(r, base))
      if (wants(req, q.format, 'application/geo+json', 'geojson')) {
        reply.header('content-type', 'application/geo+json')
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
      if (wants(req, q.format, 'text/csv', 'csv')) {
        const header = ['id', 'name', 'borough', 'borough_name', 'kind', 'status', 'longitude', 'latitude']
        const extra = ['uprn', 'usrn', 'operator', 'personal_data', 'legal_basis', 'retention', 'licence', 'sharing']
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
        return sendCsv(reply, 'streetsense-register.csv', toCsv([...header, ...extra], rows))
      }
      return { count: entries.length, sensors: entries, ...licenceBlock() }
    },
  )

  app.get(
    '/v1/sensors/:id',
    {
      schema: {
        tags: ['open data'],
        summary: 'One register entry with last seen, completeness (24 h, 30 d), latest values and DAQI',
        params: idParams,
      },
    },
    async (req, reply) => {
      const record = requireSensor(ctx, (req.params as { id: string }).id)
      setLicence(reply, record.entry.licence)
      const detail = await sensorDetail(ctx, record, baseUrl(ctx, req))
      return { ...detail, ...licenceBlock(record.entry.licence) }
    },
  )

  app.get(
    '/v1/sensors/:id/readings',
    {
      schema: {
        tags: ['open data'],
        summary: 'Readings of one sensor: raw or 15m/1h/1d aggregates (means for air, sums for counts), paged',
        params: idParams,
        querystring: readingsQuery,
      },
    },
    async (req, reply) => {
      const record = requireSensor(ctx, (req.params as { id: string }).id)
      const entry = record.entry
      requireOpen(entry)
      setLicence(reply, entry.licence)
      const q = req.query as Q
      const every = parseEvery(q.every)
      const range = parseRange(q, every, ctx.now())
      const limit = parseLimit(q.limit)
      const cursor = parseCursor(q.cursor)
      const page = await readingsPage(ctx.influx, entry.id, entry.kind, { ...range, every, limit, cursor })
      const fields = fieldsOf(entry.kind)
      let next: string | null = null
      if (page.next) {
        const params = new URLSearchParams({
          from: new Date(range.from).toISOString(),
          to: new Date(range.to).toISOString(),
          every,
          limit: String(limit),
          cursor: encodeCursor(page.next),
        })
        if (q.format) params.set('format', q.format)
        next = `${baseUrl(ctx, req)}/v1/sensors/${encodeURIComponent(entry.id)}/readings?${params}`
        reply.header('link', `<${next}>; rel="next"`)
        reply.header('x-next-cursor', encodeCursor(page.next))
      }
      if (wants(req, q.format, 'text/csv', 'csv')) {
        const header = ['time', 'sensor', ...(entry.kind === 'traffic' ? ['lane', 'direction'] : [])]
        const tail = every === 'raw' ? ['seq', 'interval', 'suspect', 'flags'] : []
        const rows = page.readings.map((r) => [
          r.time,
          entry.id,
          ...(entry.kind === 'traffic' ? [r.lane, r.direction] : []),
          ...fields.map((f) => r.values[f.field]),
          ...(every === 'raw' ? [r.seq, r.interval, r.suspect, r.flags?.join(' ')] : []),
        ])
        return sendCsv(
          reply,
          `${entry.id}-${every}.csv`,
          toCsv([...header, ...fields.map((f) => f.field), ...tail], rows),
        )
      }
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
    },
  )

  app.get(
    '/v1/latest',
    {
      schema: {
        tags: ['open data'],
        summary: 'The newest reading of every open sensor (optionally of one borough), from the last 7 days',
        querystring: latestQuery,
      },
    },
    async (req) => {
      const q = req.query as Q
      const records = ctx.registry.listSensors({ borough: q.borough, kind: q.kind }).filter((r) => isOpenData(r.entry))
      const latest = await latestByBorough(ctx.influx, q.borough, 7 * 86_400_000, ctx.now())
      const sensors = records.map((r) => ({
        id: r.entry.id,
        name: r.entry.name,
        borough: r.entry.borough,
        kind: r.entry.kind,
        location: r.entry.location,
        readings: latest.get(r.entry.id)?.readings ?? [],
      }))
      return { count: sensors.length, sensors, ...licenceBlock() }
    },
  )
}
