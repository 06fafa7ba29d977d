/**
 * The ingest's HTTP side (Fastify 5, same process as the MQTT consumers): OpenAPI at /docs,
 * then the routes in flow order (device intake, operations), then any extra plugins such as the
 * register and open data API (`deps.plugins`).
 */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, LogController } from 'fastify'
import type { Logger } from 'pino'
import { type HttpErrorBody, httpErrorBody, StreetsenseError } from '../../core/index.js'
import type { Pipeline } from '../accept/pipeline.js'
import type { IngestConfig } from '../config.js'
import type { SensorDirectory } from '../directory/sensor-directory.js'
import type { IngestMetrics } from '../metrics.js'
import type { Quarantine } from '../quarantine/quarantine.js'
import type { Spool } from '../spool/spool.js'
import type { SensorStats } from '../stats/sensor-stats.js'
import { opsRoutes, type Readiness } from './ops-routes.js'
import { readingsRoutes } from './readings-routes.js'
import { sensorCommunityRoutes } from './sensor-community.js'

/** An OpenAPI tag: the group a route is listed under in /docs. */
export interface OpenApiTag {
  name: string
  description: string
}

/**
 * A plugin, or a plugin with its options (e.g. the open data API with its registry) and the
 * OpenAPI tags of its routes, listed in /docs before the ingest's own.
 */
export type PluginEntry =
  | FastifyPluginAsync
  // biome-ignore lint/suspicious/noExplicitAny: a plugin's own options type is its business
  | { plugin: FastifyPluginAsync<any>; options: Record<string, unknown>; openapiTags?: OpenApiTag[] }

const INGEST_TAGS: OpenApiTag[] = [
  { name: 'ingest', description: 'Device intake: readings from sensors (for devices, not data users)' },
  { name: 'ops', description: 'Health, readiness and metrics of the service' },
]

export interface AppDeps {
  pipeline: Pipeline
  directory: SensorDirectory
  spool: Spool
  quarantine: Quarantine
  stats: SensorStats
  metrics: IngestMetrics
  logger: Logger
  readiness(): Readiness
  refreshGauges(): void
  plugins?: PluginEntry[]
}

export async function buildApp(
  config: Pick<IngestConfig, 'maxPayloadBytes' | 'scIntervalSeconds'>,
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
    if (body.code === 'IOT_INGEST_UNAUTHORIZED') reply.header('www-authenticate', 'Basic realm="streetsense"')
    return reply.code(body.statusCode).send(body)
  })

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'streetsense ingest',
        version: '1',
        description: 'Device intake (readings, Sensor.Community), health, metrics and quarantine',
      },
      tags: [
        ...(deps.plugins ?? []).flatMap((p) => (typeof p === 'function' ? [] : (p.openapiTags ?? []))),
        ...INGEST_TAGS,
      ],
      components: {
        securitySchemes: {
          deviceToken: { type: 'http', scheme: 'bearer', description: 'device password, with X-Sensor: <id>' },
          basic: { type: 'http', scheme: 'basic' },
        },
      },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  // Device intake: raw JSON bodies (kept for the quarantine) only inside this scope.
  await app.register(async (scope) => {
    await readingsRoutes(scope, { ...deps, maxPayloadBytes: config.maxPayloadBytes })
    await sensorCommunityRoutes(scope, { ...deps, intervalSeconds: config.scIntervalSeconds })
  }, {})
  await app.register(async (scope) => opsRoutes(scope, deps))
  for (const entry of deps.plugins ?? []) {
    if (typeof entry === 'function') await app.register(entry)
    else await app.register(entry.plugin, entry.options)
  }
  return app
}

function ingestErrorBody(err: unknown): HttpErrorBody {
  if (err instanceof StreetsenseError) return httpErrorBody(err.statusCode, err.code, err.message, err.field)
  const e = err as { statusCode?: number; code?: string; message: string; validation?: unknown }
  if (e.statusCode === 413 || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return httpErrorBody(413, 'IOT_INGEST_TOO_LARGE', e.message)
  }
  if (e.validation || (e.statusCode && e.statusCode < 500)) {
    return httpErrorBody(e.statusCode ?? 400, 'IOT_INGEST_INVALID', e.message)
  }
  return httpErrorBody(500, 'IOT_INGEST_INTERNAL', 'internal error')
}
