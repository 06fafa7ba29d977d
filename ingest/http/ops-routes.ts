/** /healthz (alive), /readyz (able to take data, and why not), /metrics, GET /v1/quarantine. */
import type { FastifyInstance } from 'fastify'
import type { SensorDirectory } from '../directory/sensor-directory.js'
import type { IngestMetrics } from '../metrics.js'
import type { Quarantine } from '../quarantine/quarantine.js'
import { authenticateOperator } from './auth.js'
import { errorBodySchema } from './readings-routes.js'

export interface Readiness {
  ready: boolean
  reasons: string[]
  detail: Record<string, unknown>
}

export interface OpsDeps {
  metrics: IngestMetrics
  quarantine: Quarantine
  directory: SensorDirectory
  readiness(): Readiness
  /** Refreshes gauges before a scrape. */
  refreshGauges(): void
}

export async function opsRoutes(app: FastifyInstance, deps: OpsDeps): Promise<void> {
  app.get('/healthz', { schema: { summary: 'The process is alive', tags: ['ops'] } }, async () => ({ status: 'ok' }))

  app.get(
    '/readyz',
    { schema: { summary: 'Ready to take data; 503 names why not', tags: ['ops'] } },
    async (_req, reply) => {
      const r = deps.readiness()
      return reply.code(r.ready ? 200 : 503).send({ ready: r.ready, reasons: r.reasons, ...r.detail })
    },
  )

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['ops'] } }, async (_req, reply) => {
    deps.refreshGauges()
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics())
  })

  app.get(
    '/v1/quarantine',
    {
      schema: {
        summary: 'Rejected messages with reason and raw payload (admin account, Basic auth)',
        tags: ['ops'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            sensor: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (req) => {
      const account = await authenticateOperator(req, deps.directory)
      const q = req.query as { sensor?: string; limit: number }
      // An admin scoped to boroughs sees only their rejects.
      const items = deps.quarantine.list({ sensor: q.sensor, limit: q.limit, boroughs: account.boroughs })
      return { count: items.length, items }
    },
  )
}
