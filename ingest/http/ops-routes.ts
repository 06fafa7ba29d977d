/**
 * The operator port: /healthz (alive), /readyz (able to take data, and why not), /metrics. Served
 * on its own listener (`--ops-host`, default 127.0.0.1), never on the device intake port or the
 * register's public port: readiness names client ids and the last InfluxDB error, and the metrics
 * carry per-sensor counters.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import type { Logger } from 'pino'
import type { IngestConfig } from '../config.js'
import type { IngestMetrics } from '../metrics.js'

export interface Readiness {
  ready: boolean
  reasons: string[]
  detail: Record<string, unknown>
}

export interface OpsDeps {
  metrics: IngestMetrics
  logger: Logger
  readiness(): Readiness
  /** Refreshes gauges before a scrape. */
  refreshGauges(): void
}

export async function opsRoutes(app: FastifyInstance, deps: OpsDeps): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_req, reply) => {
    const r = deps.readiness()
    return reply.code(r.ready ? 200 : 503).send({ ready: r.ready, reasons: r.reasons, ...r.detail })
  })

  app.get('/metrics', async (_req, reply) => {
    deps.refreshGauges()
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics())
  })
}

/** The operator listener, started on its own port. */
export async function startOpsApp(
  config: Pick<IngestConfig, 'opsHost' | 'opsPort'>,
  deps: OpsDeps,
): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ part: 'ops' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  })
  await app.register(async (scope) => opsRoutes(scope, deps))
  await app.listen({ host: config.opsHost, port: config.opsPort })
  const address = app.server.address()
  return { app, port: typeof address === 'object' && address ? address.port : config.opsPort }
}
