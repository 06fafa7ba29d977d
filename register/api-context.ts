/**
 * What every route handler is given: the registry and the ingest's counters it reads (their own
 * types, narrowed to what the register calls), the InfluxDB reader, and the app typed by the
 * route schemas.
 */
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts'
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  FastifySchema,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
} from 'fastify'
import type { Logger } from 'pino'
import type { SensorStats } from '../ingest/index.js'
import type { AccessPolicy, GovernanceRegistry, Registry } from '../registry/index.js'
import type { InfluxReader } from './influx-read.js'
import type { InfluxStreamer } from './influx-stream.js'
import type { LiveFeed } from './live/feed.js'
import type { RenderCache } from './register-cache.js'

/**
 * The Registry's reads, and the writes of the admin API (the Registry validates and audits them),
 * governance records included.
 */
export type OpenDataRegistry = Pick<
  Registry,
  | 'listSensors'
  | 'countSensors'
  | 'sensorsVersion'
  | 'getSensor'
  | 'addSensor'
  | 'updateSensor'
  | 'retireSensor'
  | 'verify'
  | 'listAudit'
  | 'commands'
  | 'addRatification'
  | 'listRatifications'
  | 'addCalibration'
  | 'listCalibrations'
  | 'listAccounts'
  | 'fleet'
  | 'getAccount'
> &
  GovernanceRegistry

/** The ingest's per-sensor counters, for last seen and the counters of one sensor. */
export type OpenDataStats = Pick<SensorStats, 'get'>

export interface ApiContext {
  registry: OpenDataRegistry
  /** Who may read which sensor's readings (registry/access.ts over a cached copy). */
  access: AccessPolicy
  influx: InfluxReader
  /** Chunked reads of long ranges (bulk history, archives), memory bounded by one chunk. */
  influxStream: InfluxStreamer
  stats?: OpenDataStats
  /** Who publishes the catalogue (DCAT-AP dct:publisher). */
  cataloguePublisher?: string
  /** Where `streetsense archive build` writes the monthly archives (served from /archives/). */
  archivesDir?: string
  /** The live feed, when the register subscribes to the broker (plugin option `live`). */
  live?: LiveFeed
  log: Logger
  publicBaseUrl?: string
  /** Called after the admin API queued a command (see OpenDataPluginOptions.onCommandQueued). */
  onCommandQueued?: () => void
  liveRefreshSeconds: number
  /** Replies rendered from the register alone, by register version (register-cache.ts). */
  renderCache: RenderCache
  /** Sensors per page of the register page. */
  indexPageSize: number
  now(): number
}

/** The plugin's Fastify instance: route schemas (route-schemas.ts) type the handlers' query and params. */
export type OpenDataApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  JsonSchemaToTsProvider
>

/** The request of a route whose schema is S, as the type provider types it. */
export type RequestOf<S extends FastifySchema> = FastifyRequest<
  RouteGenericInterface,
  RawServerDefault,
  RawRequestDefaultExpression,
  S,
  JsonSchemaToTsProvider
>

export function baseUrl(ctx: ApiContext, req: FastifyRequest): string {
  return (ctx.publicBaseUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '')
}
