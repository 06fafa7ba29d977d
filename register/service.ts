/**
 * `startRegister(config, deps)`: the public register as its own service process, on the public
 * port: register pages, the open data API, exports, the admin API, the OpenAPI document at /docs
 * and a bare /healthz. It reads the registry (SQLite in the shared data directory), InfluxDB and
 * the ingest's per-sensor counters (read-only), and shares no event loop with device intake, so
 * public rendering cannot starve it.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import type { Logger } from 'pino'
import { createLogger, httpErrorBody } from '../core/index.js'
import { installApiDocs, installSecurityHeaders } from '../ingest/index.js'
import { openRegistry, type Registry } from '../registry/index.js'
import { influxReadConfig, type RegisterConfig } from './config.js'
import { ingestCounters } from './ingest-counters.js'
import { openDataPlugin } from './plugin.js'

export interface RegisterDeps {
  logger?: Logger
  /** An open registry to use instead of opening <dataDir>/registry.sqlite; the caller closes it. */
  registry?: Registry
}

export interface RunningRegister {
  app: FastifyInstance
  /** The public port actually bound. */
  port: number
  close(): Promise<void>
}

export async function startRegister(config: RegisterConfig, deps: RegisterDeps = {}): Promise<RunningRegister> {
  const logger = (deps.logger ?? createLogger()).child({ service: 'register' })
  const ownRegistry = deps.registry ? undefined : openRegistry(config.dataDir)
  const registry = deps.registry ?? (ownRegistry as Registry)
  const stats = ingestCounters(config.dataDir, logger)
  let app: FastifyInstance | undefined
  const close = async () => {
    await app?.close()
    stats.close()
    ownRegistry?.close()
  }
  try {
    app = await buildRegisterApp(config, { logger, registry, stats })
    await app.listen({ host: config.httpHost, port: config.httpPort })
  } catch (err) {
    await close()
    throw err
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.httpPort
  logger.info({ port }, 'register started')
  return { app, port, close }
}

async function buildRegisterApp(
  config: RegisterConfig,
  parts: { logger: Logger; registry: Registry; stats: ReturnType<typeof ingestCounters> },
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: parts.logger.child({ part: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy,
  })
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send(httpErrorBody(404, 'IOT_REGISTER_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)),
  )
  installSecurityHeaders(app)
  await installApiDocs(app, {
    info: {
      title: 'streetsense open data API',
      version: '1',
      description: 'The public register of street sensors, their readings, exports and the admin API',
    },
    components: { securitySchemes: { basic: { type: 'http', scheme: 'basic' } } },
  })
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }))
  await app.register(openDataPlugin, {
    registry: parts.registry,
    influx: influxReadConfig(config),
    stats: parts.stats,
    log: parts.logger,
    ...(config.publicBaseUrl ? { publicBaseUrl: config.publicBaseUrl } : {}),
    rateLimit: { max: config.rateLimitPerMinute, timeWindowMs: 60_000 },
    liveRefreshSeconds: config.liveRefreshSeconds,
  })
  return app
}
