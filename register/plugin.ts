/**
 * openDataPlugin: the public sensor register (HTML pages), the open data API (/v1/...), its exports
 * and the admin API, as one Fastify plugin, which `streetsense register` mounts (service.ts). It is
 * deliberately NOT wrapped in fastify-plugin: its CORS, rate limit, licence headers, ETags and error
 * bodies stay inside it.
 */
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import { AccessPolicy } from '../registry/index.js'
import { requireJsonRequest } from './admin-auth.js'
import type { ApiContext, OpenDataRegistry, OpenDataStats } from './api-context.js'
import { installCaching } from './caching.js'
import { installErrorReplies } from './error-replies.js'
import { createInfluxReader, type InfluxReadConfig } from './influx-read.js'
import { createInfluxStreamer } from './influx-stream.js'
import { installLicenceHeaders } from './licence.js'
import { LiveFeed, type LiveOptions } from './live/feed.js'
import { INDEX_PAGE_SIZE } from './pages/index-page.js'
import { registerPages } from './pages/routes.js'
import { resolveBoroughQuery } from './params.js'
import { installQueryGuard } from './query-guard.js'
import { RenderCache } from './register-cache.js'
import { registerAdminRoutes } from './routes-admin.js'
import { registerArchiveRoutes } from './routes-archives.js'
import { registerBoroughRoutes } from './routes-boroughs.js'
import { registerBulkRoutes } from './routes-bulk.js'
import { registerCatalogueRoutes } from './routes-catalogue.js'
import { registerCommandRoutes } from './routes-commands.js'
import { registerExportRoutes } from './routes-export.js'
import { registerFiwareRoutes } from './routes-fiware.js'
import { registerFleetRoutes } from './routes-fleet.js'
import { registerGovernanceRoutes } from './routes-governance.js'
import { registerLiveRoutes } from './routes-live.js'
import { registerQualityRoutes } from './routes-quality.js'
import { registerSensorRoutes } from './routes-sensors.js'
import { registerStaRoutes } from './routes-sta.js'

export interface OpenDataPluginOptions {
  /** The Registry (registry/), or anything with the methods the register calls. */
  registry: OpenDataRegistry
  influx: InfluxReadConfig
  /** Per-sensor counters of the ingest (ingest/stats/sensor-stats.ts), for last seen and counters. */
  stats?: OpenDataStats
  log: Logger
  /** Absolute base URL used in links (e.g. https://data.example.london); defaults to the request's host. */
  publicBaseUrl?: string
  /** Requests per client per minute on this plugin's routes; false when the app limits already. */
  rateLimit?: { max: number; timeWindowMs?: number } | false
  /** Register CORS (GET from any origin) on this plugin's routes; false when the app does. */
  cors?: boolean
  /**
   * Called after the admin API queued a command for a device. The ingest sends queued commands
   * (it polls the commands table); in one process with the ingest this wakes it at once.
   */
  onCommandQueued?: () => void
  /** The catalogue's publisher, its dct:publisher (default "London street sensor register"). */
  cataloguePublisher?: string
  /** The directory `streetsense archive build` writes to; its files are served under /archives/. */
  archivesDir?: string
  /** The live feed (GET /v1/live): its source (the broker, with a reader account) and limits. */
  live?: LiveOptions
  /** How often the register page refreshes live values when it cannot use the live feed (seconds). */
  liveRefreshSeconds?: number
  /** Sensors per page of the register page `/` (default 200). */
  indexPageSize?: number
  /** Clock, for tests that pin "now". */
  now?: () => number
}

export const openDataPlugin: FastifyPluginAsync<OpenDataPluginOptions> = async (
  app: FastifyInstance,
  opts: OpenDataPluginOptions,
) => {
  if (!opts?.registry || !opts.influx?.url || !opts.influx.db || !opts.log) {
    throw new Error(
      'openDataPlugin needs options { registry, influx: { url, db, token? }, log }: register it with app.register(openDataPlugin, options)',
    )
  }
  const ctx = apiContext(opts)
  if (opts.live) ctx.live = startLiveFeed(app, opts.live, ctx)
  await installAccessPolicies(app, opts)
  // Admin writes are JSON only, whatever the route (CSRF: a plain form cannot send JSON).
  app.addHook('onRequest', requireJsonRequest)
  installLicenceHeaders(app)
  installCaching(app, { linksFollowHost: !opts.publicBaseUrl })
  installErrorReplies(app, ctx.log)
  installQueryGuard(app)
  app.addHook('preValidation', async (req) => resolveBoroughQuery(req.query))
  const typed = app.withTypeProvider<JsonSchemaToTsProvider>()
  registerSensorRoutes(typed, ctx)
  registerBoroughRoutes(typed, ctx)
  registerBulkRoutes(typed, ctx)
  registerLiveRoutes(typed, ctx)
  registerArchiveRoutes(typed, ctx)
  registerCatalogueRoutes(typed, ctx)
  registerExportRoutes(typed, ctx)
  registerFiwareRoutes(typed, ctx)
  registerStaRoutes(typed, ctx)
  registerAdminRoutes(typed, ctx)
  registerGovernanceRoutes(typed, ctx)
  registerCommandRoutes(typed, ctx)
  registerFleetRoutes(typed, ctx)
  registerQualityRoutes(typed, ctx)
  await registerPages(typed, ctx)
}

function apiContext(opts: OpenDataPluginOptions): ApiContext {
  return {
    registry: opts.registry,
    access: new AccessPolicy(opts.registry, opts.now ?? Date.now),
    influx: createInfluxReader(opts.influx),
    influxStream: createInfluxStreamer(opts.influx),
    stats: opts.stats,
    log: opts.log.child({ component: 'open-data' }),
    publicBaseUrl: opts.publicBaseUrl,
    ...(opts.onCommandQueued ? { onCommandQueued: opts.onCommandQueued } : {}),
    liveRefreshSeconds: opts.liveRefreshSeconds ?? 30,
    renderCache: new RenderCache(),
    indexPageSize: opts.indexPageSize ?? INDEX_PAGE_SIZE,
    now: opts.now ?? Date.now,
    ...(opts.archivesDir ? { archivesDir: opts.archivesDir } : {}),
    ...(opts.cataloguePublisher ? { cataloguePublisher: opts.cataloguePublisher } : {}),
  }
}

/** CORS (GET from any origin) and the per-client rate limit, unless the app does them itself. */
async function installAccessPolicies(app: FastifyInstance, opts: OpenDataPluginOptions): Promise<void> {
  if (opts.cors !== false) {
    await app.register(cors, {
      origin: '*',
      methods: ['GET', 'HEAD', 'OPTIONS'],
      exposedHeaders: ['etag', 'link', 'x-licence', 'x-attribution', 'x-next-cursor'],
    })
  }
  if (opts.rateLimit === false) return
  await app.register(rateLimit, {
    max: opts.rateLimit?.max ?? 600,
    timeWindow: opts.rateLimit?.timeWindowMs ?? 60_000,
    errorResponseBuilder: (_req, context) => {
      const err = new Error(`rate limit: at most ${context.max} requests per ${context.after}`) as Error & {
        statusCode: number
      }
      err.statusCode = 429
      return err
    },
  })
}

/** Subscribes in the background (the broker may come up after the register); stops with the app. */
function startLiveFeed(app: FastifyInstance, options: LiveOptions, ctx: ApiContext): LiveFeed {
  const feed = new LiveFeed(options, ctx.registry, ctx.log, ctx.now)
  feed.start().catch((err: Error) => ctx.log.warn({ err: err.message }, 'live feed: broker not reached yet; retrying'))
  app.addHook('onClose', async () => feed.stop())
  return feed
}
