/** Exports: a daily CSV per borough (FIWARE NGSI-LD is in routes-fiware.ts). */
import type { FastifyReply } from 'fastify'
import { toCsv } from '../core/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { boroughName } from '../schemas/index.js'
import type { ApiContext, OpenDataApp, RequestOf } from './api-context.js'
import { FIELD_MAPPINGS } from './mappings.js'
import { parseDate } from './params.js'
import { isOpenData } from './public-entry.js'
import { QUALITY_COLUMNS, qualityCells } from './quality/judge-readings.js'
import { sensorQuality } from './quality/sensor-quality.js'
import { boroughDay } from './queries.js'
import { sendCsv } from './reply-formats.js'
import { exportCsvQuery } from './route-schemas.js'

const DAILY_CSV = {
  tags: ['exports'],
  summary: 'Every reading of a borough on one UTC day, as CSV (one row per reading)',
  querystring: exportCsvQuery,
} as const

export function registerExportRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/export/csv', { schema: DAILY_CSV }, (req, reply) => dailyCsvExport(ctx, req, reply))
}

/** The register entries of a borough's sensors whose readings are open data. */
export function openSensorsOf(ctx: ApiContext, borough: string): RegisterEntry[] {
  return ctx.registry
    .listSensors({ borough })
    .filter((r) => isOpenData(r.entry))
    .map((r) => r.entry)
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
  ...QUALITY_COLUMNS,
]

/** Pollutants whose corrected series (where a calibration applies) gets a column of its own. */
const CORRECTED_COLUMNS = ['pm1', 'pm2_5', 'pm10', 'no2', 'o3', 'so2']

async function dailyCsvExport(ctx: ApiContext, req: RequestOf<typeof DAILY_CSV>, reply: FastifyReply) {
  const { borough } = req.query
  const day = parseDate('date', req.query.date, ctx.now())
  const open = new Set(openSensorsOf(ctx, borough).map((entry) => entry.id))
  const rows = (await boroughDay(ctx.influx, borough, day, (id) => sensorQuality(ctx.registry, id))).filter((r) =>
    open.has(r.sensor),
  )
  const fields = FIELD_MAPPINGS.map((m) => m.field)
  const body = toCsv(
    [...DAILY_CSV_HEADER, ...fields, ...CORRECTED_COLUMNS.map((f) => `${f}_corrected`)],
    rows.map(({ kind, sensor, reading: r }) => [
      r.time,
      sensor,
      borough,
      kind,
      r.lane,
      r.direction,
      r.interval,
      r.seq,
      ...qualityCells(r),
      ...fields.map((f) => r.values[f]),
      ...CORRECTED_COLUMNS.map((f) => r.corrected?.[f]),
    ]),
  )
  const date = new Date(day).toISOString().slice(0, 10)
  const name = (boroughName(borough) ?? borough).toLowerCase().replace(/[^a-z0-9]+/g, '-')
  return sendCsv(reply, `streetsense-${name}-${date}.csv`, body)
}
