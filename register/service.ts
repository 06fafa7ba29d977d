/**
 * `startRegister(config, deps)`: the public register as its own service process, on the public
 * port: register pages, the open data API, exports, the admin API, the OpenAPI document at /docs
 * and a bare /healthz. It reads the registry (SQLite in the shared data directory), InfluxDB and
 * the ingest's per-sensor counters (read-only), and shares no event loop with device intake, so
 * public rendering cannot starve it.
 */
import { join } from 'node:path'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import type { Logger } from 'pino'
import { createLogger, httpErrorBody, StreetsenseError } from '../core/index.js'
import { installApiDocs, installSecurityHeaders } from '../ingest/index.js'
import { openRegistry, type Registry } from '../registry/index.js'
import { influxReadConfig, type RegisterConfig } from './config.js'
import { ingestCounters } from './ingest-counters.js'
import type { LiveOptions } from './live/feed.js'
import { mqttLiveSource } from './live/mqtt-source.js'
import { OPENAPI_TAGS } from './openapi.js'
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
    tags: OPENAPI_TAGS,
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
    archivesDir: config.archiveDir ?? join(config.dataDir, 'archives'),
    cataloguePublisher: config.cataloguePublisher,
    ...liveOptions(config, parts.logger),
  })
  return app
}

/** The live feed's source and limits, when a broker URL is set (else GET /v1/live answers 404). */
function liveOptions(config: RegisterConfig, logger: Logger): { live?: LiveOptions } {
  if (!config.liveMqttUrl) return {}
  if (!config.liveMqttPassword) {
    throw new StreetsenseError(
      'IOT_CONFIG_INVALID',
      "invalid setting liveMqttPassword: the live feed needs its reader account's password (STREETSENSE_LIVE_MQTT_PASSWORD or --live-mqtt-password-file)",
      'liveMqttPassword',
    )
  }
  const source = mqttLiveSource({
    url: config.liveMqttUrl,
    username: config.liveMqttUsername,
    password: config.liveMqttPassword,
    log: logger.child({ part: 'live' }),
  })
  const limits = { maxClients: config.liveMaxClients, maxClientsPerAddress: config.liveMaxClientsPerAddress }
  return { live: { source, limits } }
}
