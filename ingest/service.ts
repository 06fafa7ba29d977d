/**
 * `startIngest(config, deps)`: the whole ingest in one process. Spool, quarantine and stats
 * (SQLite under the data dir), the InfluxDB writer, the MQTT consumers and the HTTP app; an
 * `ingest_health` point every healthIntervalMs. `close()` stops intake first, then the writer,
 * and leaves unwritten points in the spool for the next start.
 */
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { createLogger } from '../core/index.js'
import type { Registry } from '../registry/index.js'
import { type Checker, inlineChecker, startCheckPool } from './accept/check-pool.js'
import { createPipeline, type Pipeline } from './accept/pipeline.js'
import { type IngestCommands, startCommands } from './commands/commands.js'
import type { IngestConfig } from './config.js'
import { createDeviceMetrics, type DeviceMetrics } from './device-metrics.js'
import { registryDirectory, type SensorDirectory } from './directory/sensor-directory.js'
import { buildApp, type PluginEntry } from './http/app.js'
import type { Readiness } from './http/ops-routes.js'
import { createIngestMetrics, type IngestMetrics, refreshGauges } from './metrics.js'
import { QcHistory } from './qc/history.js'
import { openQcStateFile, type QcStateFile } from './qc/state-store.js'
import { openQuarantine, type Quarantine } from './quarantine/quarantine.js'
import { readinessOf } from './readiness.js'
import { openOwnRegistry } from './registry-wiring.js'
import { type IngestRollouts, startRollouts } from './rollouts/rollouts.js'
import { openSpool, type Spool } from './spool/spool.js'
import { openSensorStats, type SensorStats } from './stats/sensor-stats.js'
import { createDatabase } from './store/influx-http.js'
import { type InfluxWriter, startInfluxWriter, type WriterEvents } from './store/influx-writer.js'
import { type Consumers, startConsumers } from './subscribe/consumers.js'
import { startUpkeep } from './upkeep.js'

export interface IngestDeps {
  logger?: Logger
  /** Same as logger (the name `streetsense up` uses). */
  log?: Logger
  /** Sensors and accounts; default: `registry`, else the registry in <dataDir>/registry.sqlite. */
  directory?: SensorDirectory
  /** An open registry (registry/) to use instead of opening one; the caller closes it. */
  registry?: Registry
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
  registry: Registry
  stats: SensorStats
  logger: Logger
  /** Wakes the command sender after the admin API queued a command (absent without MQTT). */
  commands?: Pick<IngestCommands, 'wake'>
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
  /** Commands to devices (sendCommand); absent without MQTT or a registry. */
  commands?: IngestCommands
  /** Fleet rollouts and device states; absent without a registry. */
  rollouts?: IngestRollouts
  readiness(): Readiness
  close(): Promise<void>
}

/** The local state of an ingest: what it opens under the data dir, and its sensors. */
interface Stores {
  logger: Logger
  /** The registry this ingest opened itself (and closes). */
  ownRegistry?: Registry
  registry?: Registry
  directory: SensorDirectory
  spool: Spool
  quarantine: Quarantine
  stats: SensorStats
  metrics: IngestMetrics
  /** The series QC rules and the file their state survives restarts in. */
  qc: QcHistory
  qcFile: QcStateFile
}

/** Stores, then the InfluxDB writer, the check threads, the pipeline, the consumers, HTTP. */
export async function startIngest(config: IngestConfig, deps: IngestDeps = {}): Promise<RunningIngest> {
  const stores = await openStores(config, deps)
  const { logger, spool, quarantine, stats, metrics, qc, qcFile } = stores
  const writer = await startWriter(config, stores)
  const checker = await startChecker(config, logger)
  const devices = startDeviceMetrics(config, stores)
  let boundPort = config.httpPort
  const commands =
    deps.mqtt === false || !stores.registry
      ? undefined
      : startCommands(config, { registry: stores.registry, metricsRegistry: metrics.registry, logger })
  const rollouts = stores.registry
    ? startRollouts(config, {
        registry: stores.registry,
        metricsRegistry: metrics.registry,
        logger,
        ...(commands ? { wake: commands.wake } : {}),
        port: () => boundPort,
      })
    : undefined
  const pipeline = createPipeline({
    ...stores,
    checker,
    maxPayloadBytes: config.maxPayloadBytes,
    onDurable: () => writer.notify(),
    onAccepted: (expected, checked) => {
      devices.observe(expected.sensor, expected.borough, checked)
      rollouts?.observe(expected.sensor, expected.borough, checked)
    },
  })
  const consumers = deps.mqtt === false ? undefined : startConsumers(config, { pipeline, spool, metrics, logger })
  const readiness = () => readinessOf(config, { spool, writer, consumers })
  const upkeep = startUpkeep(config, { pipeline, spool, quarantine, stats, qc, qcFile })
  const { app, port } = await startHttp(config, deps, { ...stores, pipeline, readiness, devices, commands, rollouts })
  boundPort = port
  logger.info({ port, mqtt: consumers?.describe().map((c) => c.clientId) }, 'ingest started')

  let closed = false
  async function close(): Promise<void> {
    if (closed) return
    closed = true
    upkeep.stop()
    await app.close()
    await consumers?.close()
    rollouts?.close()
    await commands?.close()
    await checker.close()
    await writer.stop()
    qc.flush()
    qcFile.close()
    stats.close()
    spool.close()
    quarantine.close()
    stores.ownRegistry?.close()
    logger.info('ingest stopped')
  }
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
    commands,
    rollouts,
    readiness,
    close,
  }
}

async function openStores(config: IngestConfig, deps: IngestDeps): Promise<Stores> {
  const logger = (deps.logger ?? deps.log ?? createLogger()).child({ service: 'ingest', instance: config.instance })
  const ownRegistry = deps.registry || (deps.directory && !deps.mount) ? undefined : await openOwnRegistry(config)
  const registry = deps.registry ?? ownRegistry
  const qcFile = openQcStateFile(config.dataDir)
  return {
    logger,
    ownRegistry,
    registry,
    directory: deps.directory ?? registryDirectory(registry!, config),
    spool: openSpool(config.dataDir, { maxLines: config.spoolMaxLines, commitIntervalMs: config.spoolCommitMs }),
    quarantine: openQuarantine(config.dataDir, {
      maxRows: config.quarantineMaxRows,
      maxAgeDays: config.quarantineMaxAgeDays,
    }),
    stats: openSensorStats(config.dataDir),
    metrics: createIngestMetrics(),
    qc: new QcHistory({ maxSeries: config.qcMaxSeries, store: qcFile }),
    qcFile,
  }
}

async function startWriter(config: IngestConfig, stores: Stores): Promise<InfluxWriter> {
  const { logger, metrics } = stores
  await createDatabase(config).catch((err: Error) =>
    // InfluxDB may start after us: the writer retries (and creates the database when told it is missing).
    logger.warn({ err: err.message }, 'could not create the InfluxDB database yet'),
  )
  const events: WriterEvents = {
    written: (points, ms) => {
      metrics.written.inc(points)
      metrics.writeSeconds.observe(ms / 1000)
    },
    quarantined: (points) => metrics.influxQuarantined.inc(points),
    failed: () => metrics.writeFailures.inc(),
  }
  return startInfluxWriter(config, { spool: stores.spool, quarantine: stores.quarantine, logger, events })
}

/** Per-device gauges for alerting: every active registered device of this ingest's boroughs. */
function startDeviceMetrics(config: IngestConfig, stores: Stores): DeviceMetrics {
  return createDeviceMetrics(stores.metrics.registry, {
    active: () =>
      stores.registry
        ?.listSensors({ status: 'active' })
        .map((r) => ({ id: r.entry.id, borough: r.entry.borough, since: r.updatedAt })),
    stats: stores.stats,
    defaultIntervalSeconds: 60,
    boroughs: config.boroughs,
  })
}

async function startChecker(config: IngestConfig, logger: Logger): Promise<Checker> {
  const checker =
    config.checkThreads > 0
      ? startCheckPool({ threads: config.checkThreads, maxPayloadBytes: config.maxPayloadBytes, logger })
      : inlineChecker(config.maxPayloadBytes)
  // Consumers start after the check threads have compiled the schemas, so the first messages
  // do not queue behind start-up.
  await checker.ready
  return checker
}

/** The HTTP app with the ingest's routes, then deps.plugins and the mounted plugin, listening. */
async function startHttp(
  config: IngestConfig,
  deps: IngestDeps,
  parts: Stores & {
    pipeline: Pipeline
    readiness(): Readiness
    devices: DeviceMetrics
    commands?: IngestCommands
    rollouts?: IngestRollouts
  },
): Promise<{ app: FastifyInstance; port: number }> {
  const plugins = [...(deps.plugins ?? [])]
  if (deps.mount) {
    const { registry, stats, logger, commands } = parts
    plugins.push(await deps.mount({ registry: registry!, stats, logger, ...(commands ? { commands } : {}) }))
  }
  const refresh = () => {
    refreshGauges(parts.metrics, parts)
    parts.devices.refresh()
    parts.rollouts?.refreshMetrics()
  }
  const app = await buildApp(config, { ...parts, refreshGauges: refresh, plugins })
  await app.listen({ host: config.httpHost, port: config.httpPort })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.httpPort
  return { app, port }
}
