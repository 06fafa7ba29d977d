/**
 * `startIngest(config, deps)`: the whole ingest in one process. Spool, quarantine and stats
 * (SQLite under the data dir), the InfluxDB writer, the MQTT consumers and the HTTP app; an
 * `ingest_health` point every healthIntervalMs. `close()` stops intake first, then the writer,
 * and leaves unwritten points in the spool for the next start.
 */
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { createLogger } from '../core/index.js'
import { inlineChecker, startCheckPool } from './accept/check-pool.js'
import { createPipeline, type Pipeline } from './accept/pipeline.js'
import type { IngestConfig } from './config.js'
import { createDeviceMetrics } from './device-metrics.js'
import { type RegistryLike, registryDirectory, type SensorDirectory } from './directory/sensor-directory.js'
import { startHealthPoints } from './health-points.js'
import { buildApp, type PluginEntry } from './http/app.js'
import type { Readiness } from './http/ops-routes.js'
import { createIngestMetrics, type IngestMetrics } from './metrics.js'
import { openQuarantine, type Quarantine } from './quarantine/quarantine.js'
import { openOwnRegistry } from './registry-wiring.js'
import { openSpool, type Spool } from './spool/spool.js'
import { openSensorStats, type SensorStats } from './stats/sensor-stats.js'
import { createDatabase } from './store/influx-http.js'
import { type InfluxWriter, startInfluxWriter } from './store/influx-writer.js'
import { type Consumers, startConsumers } from './subscribe/consumers.js'

export interface IngestDeps {
  logger?: Logger
  /** Same as logger (the name `streetsense up` uses). */
  log?: Logger
  /** Sensors and accounts; default: `registry`, else the registry in <dataDir>/registry.sqlite. */
  directory?: SensorDirectory
  /** An open registry (registry/) to use instead of opening one; the caller closes it. */
  registry?: RegistryLike
  /** Extra Fastify plugins, mounted after the ingest's own routes. */
  plugins?: PluginEntry[]
  /**
   * A plugin built from the ingest's own parts (the register and open data API, which read the
   * same registry and per-sensor counters). The caller wires it: the ingest does not import the
   * stages after it.
   */
  mount?(parts: MountParts): PluginEntry | Promise<PluginEntry>
  /** Start without MQTT consumers (HTTP intake only). */
  mqtt?: boolean
}

/** What a mounted plugin may use of the ingest. */
export interface MountParts {
  registry: RegistryLike
  stats: SensorStats
  logger: Logger
}

export interface RunningIngest {
  app: FastifyInstance
  /** The HTTP port actually bound. */
  port: number
  spool: Spool
  quarantine: Quarantine
  stats: SensorStats
  metrics: IngestMetrics
  pipeline: Pipeline
  writer: InfluxWriter
  consumers?: Consumers
  readiness(): Readiness
  close(): Promise<void>
}

export async function startIngest(config: IngestConfig, deps: IngestDeps = {}): Promise<RunningIngest> {
  const logger = (deps.logger ?? deps.log ?? createLogger()).child({ service: 'ingest', instance: config.instance })
  const ownRegistry = deps.registry || (deps.directory && !deps.mount) ? undefined : await openOwnRegistry(config)
  const registry = deps.registry ?? ownRegistry
  const directory = deps.directory ?? registryDirectory(registry!, config)
  const spool = openSpool(config.dataDir, { maxLines: config.spoolMaxLines, commitIntervalMs: config.spoolCommitMs })
  const quarantine = openQuarantine(config.dataDir, {
    maxRows: config.quarantineMaxRows,
    maxAgeDays: config.quarantineMaxAgeDays,
  })
  const stats = openSensorStats(config.dataDir)
  const metrics = createIngestMetrics()

  await createDatabase(config).catch((err: Error) =>
    // InfluxDB may start after us: the writer retries (and creates the database when told it is missing).
    logger.warn({ err: err.message }, 'could not create the InfluxDB database yet'),
  )
  const writer = startInfluxWriter(config, {
    spool,
    quarantine,
    logger,
    events: {
      written: (points, ms) => {
        metrics.written.inc(points)
        metrics.writeSeconds.observe(ms / 1000)
      },
      quarantined: (points) => metrics.influxQuarantined.inc(points),
      failed: () => metrics.writeFailures.inc(),
    },
  })
  const checker =
    config.checkThreads > 0
      ? startCheckPool({ threads: config.checkThreads, maxPayloadBytes: config.maxPayloadBytes, logger })
      : inlineChecker(config.maxPayloadBytes)
  // Consumers start after the check threads have compiled the schemas, so the first messages
  // do not queue behind start-up.
  await checker.ready
  const devices = createDeviceMetrics(metrics.registry, {
    active: () =>
      registry
        ?.listSensors?.({ status: 'active' })
        .map((r) => ({ id: r.entry.id, borough: r.entry.borough, since: r.updatedAt })),
    stats,
    defaultIntervalSeconds: 60,
    boroughs: config.boroughs,
  })
  const pipeline = createPipeline({
    checker,
    directory,
    spool,
    quarantine,
    stats,
    metrics,
    logger,
    maxPayloadBytes: config.maxPayloadBytes,
    onDurable: () => writer.notify(),
    onAccepted: (expected, checked) => devices.observe(expected.sensor, expected.borough, checked),
  })
  const consumers = deps.mqtt === false ? undefined : startConsumers(config, { pipeline, spool, metrics, logger })

  function readiness(): Readiness {
    const reasons: string[] = []
    if (spool.isFull())
      reasons.push(`spool full (${spool.depth()} of ${config.spoolMaxLines} points): not acknowledging`)
    const down = consumers?.describe().filter((c) => !c.connected) ?? []
    if (down.length > 0) reasons.push(`MQTT not connected: ${down.map((c) => c.clientId).join(', ')}`)
    const influx = writer.health()
    return {
      ready: reasons.length === 0,
      reasons,
      detail: {
        spoolDepth: spool.depth(),
        spoolMaxLines: config.spoolMaxLines,
        influxReachable: influx.reachable,
        ...(influx.lastError ? { influxLastError: influx.lastError } : {}),
        mqtt: consumers?.describe() ?? [],
      },
    }
  }

  function refreshGauges(): void {
    metrics.spoolDepth.set(spool.depth())
    metrics.quarantineDepth.set(quarantine.count())
    devices.refresh()
  }

  const healthTimer = startHealthPoints(config, { pipeline, spool, quarantine })
  const statsTimer = setInterval(() => stats.flush(), 1000)
  const pruneTimer = setInterval(() => quarantine.prune(), 3_600_000)
  healthTimer.unref()
  statsTimer.unref()
  pruneTimer.unref()

  const plugins = [...(deps.plugins ?? [])]
  if (deps.mount) plugins.push(await deps.mount({ registry: registry!, stats, logger }))
  const app = await buildApp(config, {
    pipeline,
    directory,
    spool,
    quarantine,
    stats,
    metrics,
    logger,
    readiness,
    refreshGauges,
    plugins,
  })
  await app.listen({ host: config.httpHost, port: config.httpPort })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.httpPort
  logger.info({ port, mqtt: consumers?.describe().map((c) => c.clientId) }, 'ingest started')

  let closed = false
  return {
    app,
    port,
    spool,
    quarantine,
    stats,
    metrics,
    pipeline,
    writer,
    consumers,
    readiness,
    async close() {
      if (closed) return
      closed = true
      clearInterval(healthTimer)
      clearInterval(statsTimer)
      clearInterval(pruneTimer)
      await app.close()
      await consumers?.close()
      await checker.close()
      await writer.stop()
      stats.close()
      spool.close()
      quarantine.close()
      ownRegistry?.close()
      logger.info('ingest stopped')
    },
  }
}
