/** Exports: FIWARE NGSI-LD keyValues and a daily CSV per borough. */
import type { FastifyReply } from 'fastify'
import type { RegisterEntry } from '../schemas/index.js'
import { boroughName } from '../schemas/index.js'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { toCsv } from './csv.js'
import { airQualityObserved, NGSI_LD_CONTEXT, trafficFlowObserved } from './fiware.js'
import { type InfluxRow, literal, timeLiteral } from './influx-read.js'
import { licenceBlock } from './licence.js'
import { FIELD_MAPPINGS } from './mappings.js'
import { parseDate, parseTime } from './params.js'
import { isOpenData } from './public-entry.js'
import { boroughDay, toApiReading } from './queries.js'
import { sendCsv } from './reply-formats.js'
import { exportCsvQuery, exportFiwareQuery } from './route-schemas.js'

const FIWARE = {
  tags: ['exports'],
  summary: 'FIWARE AirQualityObserved / TrafficFlowObserved entities (NGSI-LD keyValues) of a borough at a time',
  querystring: exportFiwareQuery,
} as const

const DAILY_CSV = {
  tags: ['exports'],
  summary: 'Every reading of a borough on one UTC day, as CSV (one row per reading)',
  querystring: exportCsvQuery,
} as const

export function registerExportRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/export/fiware', { schema: FIWARE }, (req, reply) => fiwareExport(ctx, req, reply))
  app.get('/v1/export/csv', { schema: DAILY_CSV }, (req, reply) => dailyCsvExport(ctx, req, reply))
}

function openSensorsOf(ctx: ApiContext, borough: string): RegisterEntry[] {
  return ctx.registry
    .listSensors({ borough })
    .filter((r) => isOpenData(r.entry))
    .map((r) => r.entry)
}

/** The newest point of each sensor of a borough (per lane and direction for traffic) in the 24 h up to `at`. */
async function latestRowsAt(ctx: ApiContext, borough: string, at: number): Promise<InfluxRow[][]> {
  const where = `"borough" = ${literal(borough)} AND time <= ${timeLiteral(at)} AND time > ${timeLiteral(at - 86_400_000)}`
  return ctx.influx.query(
    `SELECT * FROM "air" WHERE ${where} GROUP BY "sensor" ORDER BY time DESC LIMIT 1; ` +
      `SELECT * FROM "traffic" WHERE ${where} GROUP BY "sensor", "lane", "direction" ORDER BY time DESC LIMIT 1`,
  )
}

async function fiwareExport(ctx: ApiContext, req: RequestOf<typeof FIWARE>, reply: FastifyReply) {
  const { borough } = req.query
  const at = parseTime('at', req.query.at, ctx.now())
  const bySensor = new Map(openSensorsOf(ctx, borough).map((entry) => [entry.id, entry]))
  const [air = [], traffic = []] = await latestRowsAt(ctx, borough, at)
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
}

const DAILY_CSV_HEADER = [
  'time',
  'sensor',
  'borough',
  'kind',
  'lane',
  'direction',
  'interval',
  'seq',
  'suspect',
  'flags',
]

async function dailyCsvExport(ctx: ApiContext, req: RequestOf<typeof DAILY_CSV>, reply: FastifyReply) {
  const { borough } = req.query
  const day = parseDate('date', req.query.date, ctx.now())
  const open = new Set(openSensorsOf(ctx, borough).map((entry) => entry.id))
  const rows = (await boroughDay(ctx.influx, borough, day)).filter((r) => open.has(r.sensor))
  const fields = FIELD_MAPPINGS.map((m) => m.field)
  const body = toCsv(
    [...DAILY_CSV_HEADER, ...fields],
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
  return sendCsv(reply, `streetsense-${name}-${date}.csv`, body)
}
