/** The register pages and their small static assets (no CDN, no external tiles: works offline). */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyReply } from 'fastify'
import type { SensorRecord } from '../../registry/index.js'
import type { RegisterEntry } from '../../schemas/index.js'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from '../api-context.js'
import { DAQI_COLOURS } from '../daqi.js'
import { anonymousCaller } from '../data-access.js'
import { fieldMapping } from '../mappings.js'
import { intervalsOf, type Silence, silenceOf } from '../offline.js'
import { sensorQuality } from '../quality/sensor-quality.js'
import { chartSeries } from '../queries.js'
import { LENIENT_QUERY } from '../query-guard.js'
import { normalisedQuery, sendRegisterReply } from '../register-cache.js'
import { assetParams, idParams, indexPageQuery } from '../route-schemas.js'
import { requireSensor, sensorDetail } from '../sensor-view.js'
import { chart24h } from './chart.js'
import { indexPage, MAP_LIMIT } from './index-page.js'
import { londonMap } from './london-map.js'
import { sensorPage } from './sensor-page.js'

const STATIC_DIR = new URL('../static/', import.meta.url)
const ASSETS: Record<string, string> = {
  'register.css': 'text/css; charset=utf-8',
  'register.js': 'text/javascript; charset=utf-8',
}
const HTML = 'text/html; charset=utf-8'

const ASSET = { hide: true, params: assetParams } as const
const INDEX = { hide: true, querystring: indexPageQuery } as const
const SENSOR_PAGE = { hide: true, params: idParams } as const

export async function registerPages(app: OpenDataApp, ctx: ApiContext): Promise<void> {
  londonMap() // decode the boundaries at start-up, not on the first request
  // A Map, not an object: /register-static/constructor must not find Object.prototype's.
  const assets = new Map(
    Object.keys(ASSETS).map((name) => [name, readFileSync(fileURLToPath(new URL(name, STATIC_DIR)))]),
  )
  assets.set('register.css', Buffer.concat([assets.get('register.css')!, Buffer.from(daqiCss())]))
  const config = LENIENT_QUERY
  app.get('/register-static/:name', { schema: ASSET, config }, (req, reply) => staticAsset(assets, req, reply))
  app.get('/', { schema: INDEX, config }, (req, reply) => indexRoute(ctx, req, reply))
  app.get('/sensors/:id', { schema: SENSOR_PAGE, config }, (req, reply) => sensorRoute(ctx, req, reply))
}

/** The DAQI band colours as classes `.daqi-1` .. `.daqi-10` (daqi.ts is their one source). */
function daqiCss(): string {
  return `\n${DAQI_COLOURS.map((c, i) => `.daqi-${i + 1} { background: ${c.fill}; color: ${c.text}; }`).join('\n')}\n`
}

function staticAsset(assets: Map<string, Buffer>, req: RequestOf<typeof ASSET>, reply: FastifyReply) {
  const name = req.params.name
  const body = assets.get(name)
  if (!body) return reply.code(404).type('text/plain').send('not found')
  return reply.header('cache-control', 'public, max-age=3600').type(ASSETS[name]!).send(body)
}

/** The register page: one page of sensors, rendered once per register version. */
function indexRoute(ctx: ApiContext, req: RequestOf<typeof INDEX>, reply: FastifyReply) {
  const q = req.query
  const filter = { borough: q.borough || undefined, kind: q.kind || undefined, q: q.q?.trim() || undefined }
  const page = q.page ?? 1
  const size = ctx.indexPageSize
  const records = ctx.registry.listSensors({ ...filter, limit: size, offset: (page - 1) * size })
  // Silence depends on time and the ingest's last-seen times, not on the register version: the
  // silent sensors of this page (and since when) are part of the cached variant.
  const offline = silentSensors(ctx, records)
  const silent = [...offline].map(([id, s]) => `${id}@${s.since}`).join(',')
  const variant = `/?${normalisedQuery({ ...filter, page })}${silent ? `#offline=${silent}` : ''}`
  return sendRegisterReply(ctx, req, reply, variant, () => {
    const total = ctx.registry.countSensors(filter)
    const mapped = page === 1 && total <= size ? records : ctx.registry.listSensors({ ...filter, limit: MAP_LIMIT })
    return {
      body: indexPage(records, filter, { page, total, size }, mapped, offline),
      headers: { 'content-type': HTML },
    }
  })
}

/** The active sensors silent for more than two of their intervals, from the ingest's last-seen times. */
function silentSensors(ctx: ApiContext, records: SensorRecord[]): Map<string, Silence> {
  const intervals = intervalsOf(
    ctx.registry,
    records.map((r) => r.entry.id),
  )
  const now = ctx.now()
  const silent = new Map<string, Silence>()
  for (const { entry } of records) {
    const s = silenceOf(entry.status, ctx.stats?.get(entry.id)?.lastSeen, intervals.get(entry.id), now)
    if (s) silent.set(entry.id, s)
  }
  return silent
}

async function sensorRoute(ctx: ApiContext, req: RequestOf<typeof SENSOR_PAGE>, reply: FastifyReply) {
  const record = requireSensor(ctx, req.params.id)
  // The pages are for residents: what anyone may see, whoever asks.
  const detail = await sensorDetail(ctx, record, baseUrl(ctx, req), anonymousCaller(ctx))
  const chart = detail.data_access ? await sensorChart(ctx, record.entry) : ''
  return reply.type(HTML).send(sensorPage(detail, chart, ctx.liveRefreshSeconds))
}

/** The 24-hour chart: PM2.5, PM10 and NO₂ (those the sensor measures) for air, vehicles for traffic. */
async function sensorChart(ctx: ApiContext, entry: RegisterEntry): Promise<string> {
  const measured = new Set<string>(entry.measures)
  const wanted = entry.kind === 'air' ? ['pm2_5', 'pm10', 'no2'] : ['total_vehicles']
  let fields = wanted.filter((f) => entry.kind === 'traffic' || measured.has(f))
  // The schema requires at least one measure.
  if (fields.length === 0) fields = entry.measures.slice(0, 1)
  const now = ctx.now()
  const series = await chartSeries(ctx.influx, entry.id, entry.kind, fields, sensorQuality(ctx.registry, entry.id), now)
  const unit = fieldMapping(fields[0]!)?.unit
  return chart24h({
    id: 'chart24',
    title:
      entry.kind === 'air'
        ? `Air quality, 15-minute means of the readings that passed the checks (${unit})`
        : 'Vehicles per hour, all lanes',
    fields: fields.flatMap((f) => fieldMapping(f) ?? []).filter((m) => m.unit === unit),
    rows: series.rows,
    now,
    bars: entry.kind === 'traffic',
  })
}
