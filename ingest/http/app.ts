/**
 * The ingest's device intake over HTTP (Fastify 5, same process as the MQTT consumers): OpenAPI
 * at /docs, the intake routes, the quarantine for admins, then any extra plugins
 * (`deps.plugins`). The public register runs in its own process (`streetsense register`), and
 * /metrics, /healthz and /readyz are on the operator port (ops-routes.ts).
 */
import type { ErrorObject } from 'ajv'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, LogController } from 'fastify'
import type { Logger } from 'pino'
import { type HttpErrorBody, httpErrorBody, StreetsenseError } from '../../core/index.js'
import { schemaErrorField, schemaErrorText } from '../../schemas/index.js'
import type { Pipeline } from '../accept/pipeline.js'
import type { IngestConfig } from '../config.js'
import type { SensorDirectory } from '../directory/sensor-directory.js'
import type { IngestMetrics } from '../metrics.js'
import type { Quarantine } from '../quarantine/quarantine.js'
import type { Spool } from '../spool/spool.js'
import type { SensorStats } from '../stats/sensor-stats.js'
import { deviceRate } from './device-rate.js'
import { installApiDocs, installSecurityHeaders } from './hardening.js'
import { quarantineRoutes } from './quarantine-routes.js'
import { readingsRoutes } from './readings-routes.js'
import { sensorCommunityRoutes } from './sensor-community.js'

/** A plugin, or a plugin with its options (e.g. the open data API with its registry). */
// biome-ignore lint/suspicious/noExplicitAny: a plugin's own options type is its business
export type PluginEntry = FastifyPluginAsync | { plugin: FastifyPluginAsync<any>; options: Record<string, unknown> }

export interface AppDeps {
  pipeline: Pipeline
  directory: SensorDirectory
  spool: Spool
  quarantine: Quarantine
  stats: SensorStats
  metrics: IngestMetrics
  logger: Logger
  plugins?: PluginEntry[]
}

export async function buildApp(
  config: Pick<
    IngestConfig,
    'maxPayloadBytes' | 'scIntervalSeconds' | 'httpRequestsPerSecondPerDevice' | 'httpRequestBurst'
  >,
  deps: AppDeps,
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ part: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxPayloadBytes,
  })

  app.setErrorHandler((err, req, reply) => {
    const body = ingestErrorBody(err)
    if (body.statusCode >= 500) req.log.error({ err }, 'request failed')
    if (body.code === 'IOT_INGEST_SPOOL_FULL') reply.header('retry-after', '5')
    // Bearer, not Basic: no browser prompts for (and caches) credentials for this origin.
    if (body.code === 'IOT_INGEST_UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="streetsense"')
    return reply.code(body.statusCode).send(body)
  })

  installSecurityHeaders(app)
  await installApiDocs(app, {
    info: {
      title: 'streetsense ingest',
      version: '1',
      description: 'Device intake (readings, Sensor.Community) and the quarantine',
    },
    components: {
      securitySchemes: {
        deviceToken: { type: 'http', scheme: 'bearer', description: 'device password, with X-Sensor: <id>' },
        basic: { type: 'http', scheme: 'basic' },
      },
    },
  })

  // Device intake: raw JSON bodies (kept for the quarantine) only inside this scope.
  const rate = deviceRate(config)
  await app.register(async (scope) => {
    await readingsRoutes(scope, { ...deps, rate, maxPayloadBytes: config.maxPayloadBytes })
    await sensorCommunityRoutes(scope, { ...deps, rate, intervalSeconds: config.scIntervalSeconds })
  }, {})
  await app.register(async (scope) => quarantineRoutes(scope, deps))
  for (const entry of deps.plugins ?? []) {
    if (typeof entry === 'function') await app.register(entry)
    else await app.register(entry.plugin, entry.options)
  }
  return app
}

function ingestErrorBody(err: unknown): HttpErrorBody {
  if (err instanceof StreetsenseError) return httpErrorBody(err.statusCode, err.code, err.message, err.field)
  const e = err as { statusCode?: number; code?: string; message: string; validation?: ErrorObject[] }
  if (e.statusCode === 413 || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return httpErrorBody(413, 'IOT_INGEST_TOO_LARGE', e.message)
  }
  const first = e.validation?.[0]
  if (first) {
    const field = schemaErrorField(first) || 'request'
    return httpErrorBody(400, 'IOT_INGEST_INVALID', `${field}: ${schemaErrorText(first)}`, field)
  }
  if (e.statusCode && e.statusCode < 500) {
    return httpErrorBody(e.statusCode ?? 400, 'IOT_INGEST_INVALID', e.message)
  }
  return httpErrorBody(500, 'IOT_INGEST_INTERNAL', 'internal error')
}
