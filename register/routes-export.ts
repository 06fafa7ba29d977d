/** Exports: FIWARE NGSI-LD keyValues and a daily CSV per borough. */
import type { FastifyInstance } from 'fastify'
import { boroughName } from '../schemas/index.js'
import { toCsv } from './csv.js'
import { airQualityObserved, NGSI_LD_CONTEXT, trafficFlowObserved } from './fiware.js'
import { type ApiContext, baseUrl, licenceBlock } from './http-common.js'
import { literal, timeLiteral } from './influx-read.js'
import { FIELD_MAPPINGS } from './mappings.js'
import { parseDate, parseTime } from './params.js'
import { isOpenData } from './public-entry.js'
import { boroughDay, toApiReading } from './queries.js'
import { exportCsvQuery, exportFiwareQuery } from './schemas.js'

type Q = Record<string, string | undefined>

export function registerExportRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/export/fiware',
    {
      schema: {
        tags: ['exports'],
        summary: 'FIWARE AirQualityObserved / TrafficFlowObserved entities (NGSI-LD keyValues) of a borough at a time',
        querystring: exportFiwareQuery,
      },
    },
    async (req, reply) => {
      const q = req.query as Q
      const at = parseTime('at', q.at, ctx.now())
      const borough = q.borough!
      const records = ctx.registry.listSensors({ borough }).filter((r) => isOpenData(r.entry))
      const bySensor = new Map(records.map((r) => [r.entry.id, r.entry]))
      const where = `"borough" = ${literal(borough)} AND time <= ${timeLiteral(at)} AND time > ${timeLiteral(at - 86_400_000)}`
      const [air = [], traffic = []] = await ctx.influx.query(
        `SELECT * FROM "air" WHERE ${where} GROUP BY "sensor" ORDER BY time DESC LIMIT 1; ` +
          `SELECT * FROM "traffic" WHERE ${where} GROUP BY "sensor", "lane", "direction" ORDER BY time DESC LIMIT 1`,
      )
      const base = baseUrl(ctx, req)
      const entities: Record<string, unknown>[] = []
      for (const row of air) {
        const entry = bySensor.get(String(row.sensor))
        if (entry?.kind === 'air')
          entities.push(airQualityObserved(entry, toApiReading(row, 'air'), `${base}/sensors/${entry.id}`))
      }
      for (const row of traffic) {
        const entry = bySensor.get(String(row.sensor))
        if (entry?.kind === 'traffic') {
          entities.push(...trafficFlowObserved(entry, toApiReading(row, 'traffic'), `${base}/sensors/${entry.id}`))
        }
      }
      const lic = licenceBlock()
      reply.header('content-type', 'application/ld+json; charset=utf-8')
      return entities.map((e) => ({ ...e, license: lic.licence.url, '@context': NGSI_LD_CONTEXT }))
    },
  )

  app.get(
    '/v1/export/csv',
    {
      schema: {
        tags: ['exports'],
        summary: 'Every reading of a borough on one UTC day, as CSV (one row per reading)',
        querystring: exportCsvQuery,
      },
    },
    async (req, reply) => {
      const q = req.query as Q
      const day = parseDate('date', q.date, ctx.now())
      const borough = q.borough!
      const open = new Set(
        ctx.registry
          .listSensors({ borough })
          .filter((r) => isOpenData(r.entry))
          .map((r) => r.entry.id),
      )
      const rows = (await boroughDay(ctx.influx, borough, day)).filter((r) => open.has(r.sensor))
      const header = ['time', 'sensor', 'borough', 'kind', 'lane', 'direction', 'interval', 'seq', 'suspect', 'flags']
      const fields = FIELD_MAPPINGS.map((m) => m.field)
      const body = toCsv(
        [...header, ...fields],
        rows.map(({ kind, sensor, reading: r }) => [
          r.time,
          sensor,
          borough,
          kind,
          r.lane,
          r.direction,
          r.interval,
          r.seq,
          r.suspect,
          r.flags?.join(' '),
          ...fields.map((f) => r.values[f]),
        ]),
      )
      const date = new Date(day).toISOString().slice(0, 10)
      const name = (boroughName(borough) ?? borough).toLowerCase().replace(/[^a-z0-9]+/g, '-')
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="streetsense-${name}-${date}.csv"`)
        .send(body)
    },
  )
}
