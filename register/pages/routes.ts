/** The register pages and their small static assets (no CDN, no external tiles: works offline). */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { type ApiContext, baseUrl } from '../http-common.js'
import { fieldMapping } from '../mappings.js'
import { chartSeries } from '../queries.js'
import { idParams } from '../schemas.js'
import { requireSensor, sensorDetail } from '../sensor-view.js'
import { chart24h } from './chart.js'
import { indexPage } from './index-page.js'
import { londonMap } from './london-map.js'
import { sensorPage } from './sensor-page.js'

const STATIC_DIR = new URL('../static/', import.meta.url)
const ASSETS: Record<string, string> = {
  'register.css': 'text/css; charset=utf-8',
  'register.js': 'text/javascript; charset=utf-8',
}

export async function registerPages(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  londonMap() // decode the boundaries at start-up, not on the first request
  const assets = Object.fromEntries(
    Object.keys(ASSETS).map((name) => [name, readFileSync(fileURLToPath(new URL(name, STATIC_DIR)))]),
  )
  const html = 'text/html; charset=utf-8'
  const hide = { hide: true }

  app.get(
    '/register-static/:name',
    { schema: { ...hide, params: { type: 'object', properties: { name: { type: 'string' } } } } },
    async (req, reply) => {
      const name = (req.params as { name: string }).name
      const body = assets[name]
      if (!body) return reply.code(404).type('text/plain').send('not found')
      return reply.header('cache-control', 'public, max-age=3600').type(ASSETS[name]!).send(body)
    },
  )

  app.get(
    '/',
    {
      schema: {
        ...hide,
        querystring: {
          type: 'object',
          properties: {
            borough: { type: 'string', pattern: '^(E090000(0[1-9]|[12][0-9]|3[0-3]))?$' },
            kind: { type: 'string', enum: ['', 'air', 'traffic'] },
            q: { type: 'string', maxLength: 100 },
          },
        },
      },
    },
    async (req, reply) => {
      const q = req.query as { borough?: string; kind?: string; q?: string }
      const records = ctx.registry.listSensors()
      return reply.type(html).send(
        indexPage(records, {
          borough: q.borough || undefined,
          kind: q.kind || undefined,
          q: q.q?.trim() || undefined,
        }),
      )
    },
  )

  app.get('/sensors/:id', { schema: { ...hide, params: idParams } }, async (req, reply) => {
    const record = requireSensor(ctx, (req.params as { id: string }).id)
    const entry = record.entry
    const detail = await sensorDetail(ctx, record, baseUrl(ctx, req))
    let chart = ''
    if (detail.open_data) {
      const wanted = entry.kind === 'air' ? ['pm2_5', 'pm10', 'no2'] : ['total_vehicles']
      let fields = wanted.filter((f) => entry.kind === 'traffic' || (entry.measures as string[]).includes(f))
      if (fields.length === 0) fields = [entry.measures[0] as string]
      const now = ctx.now()
      const series = await chartSeries(ctx.influx, entry.id, entry.kind, fields, now)
      const unit = fieldMapping(fields[0]!)?.unit
      chart = chart24h({
        id: 'chart24',
        title: entry.kind === 'air' ? `Air quality, 15-minute means (${unit})` : 'Vehicles per hour, all lanes',
        fields: fields.flatMap((f) => fieldMapping(f) ?? []).filter((m) => m.unit === unit),
        rows: series.rows,
        now,
        bars: entry.kind === 'traffic',
      })
    }
    return reply.type(html).send(sensorPage(detail, chart, ctx.liveRefreshSeconds))
  })
}
