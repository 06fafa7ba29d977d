/**
 * `startIngest(config, deps)`: the whole ingest in one process. Spool, quarantine and stats
 * (SQLite under the data dir), the InfluxDB writer, the MQTT consumers, gap repair, the device intake HTTP
 * app and the operator listener (/metrics, /healthz, /readyz); an `ingest_health` point every
 * healthIntervalMs. `close()` stops intake first, then the writer, and leaves unwritten points in
 * the spool for the next start. The public register is another process (`streetsense register`):
 * public rendering never shares this event loop with device intake.
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
import { ErasedLines } from './governance/erased-lines.js'
import { loadTombstones, startGovernance } from './governance/governance.js'
import type { PluginEntry } from './http/app.js'
import { type Listeners, listenOrStop, startListeners } from './http/listeners.js'
import type { Readiness } from './http/ops-routes.js'
import { createIngestMetrics, type IngestMetrics, refreshGauges } from './metrics.js'
import { QcHistory } from './qc/history.js'
import { openQcStateFile, type QcStateFile } from './qc/state-store.js'
import { openQuarantine, type Quarantine } from './quarantine/quarantine.js'
import { readinessOf } from './readiness.js'
import { openOwnRegistry } from './registry-wiring.js'
import { GapRepair } from './repair/gap-repair.js'
import { commandResendRequester } from './repair/resend-requester.js'
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
  /** Extra Fastify plugins on the intake port, mounted after the ingest's own routes. */
  plugins?: PluginEntry[]
  /** Start without MQTT consumers (HTTP intake only). */
  mqtt?: boolean
}

export interface RunningIngest {
  app: FastifyInstance
  /** The device intake HTTP port actually bound. */
  port: number
  /** The operator port (/metrics, /healthz, /readyz) actually bound. */
  opsPort: number
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
  /** Gap repair (absent with gapRepair off, or without MQTT or a registry to send commands). */
  repair?: GapRepair
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
  /** Erased sensors and ranges the writer must not write (loaded from the registry before it starts). */
  erased: ErasedLines
  /** The series QC rules and the file their state survives restarts in. */
  qc: QcHistory
  qcFile: QcStateFile
}

/** Stores, then the InfluxDB writer, the check threads, the pipeline, the consumers, HTTP. */
export async function startIngest(config: IngestConfig, deps: IngestDeps = {}): Promise<RunningIngest> {
  const stores = await openStores(config, deps)
  const { logger, spool, quarantine, stats, metrics, qc, qcFile } = stores
  const writer = await startWriter(config, stores)
  const governance = stores.registry
    ? startGovernance(config, { ...stores, registry: stores.registry, writer, metricsRegistry: metrics.registry })
    : undefined
  const checker = await startChecker(config, logger)
  const devices = startDeviceMetrics(config, stores)
  const mqtt = deps.mqtt !== false
  const repair = mqtt && config.gapRepair && stores.registry ? gapRepair(config, stores, () => commands) : undefined
  // Assigned once commands exist; readings may arrive before (the consumers start first).
  let rollouts: IngestRollouts | undefined
  const pipeline = createPipeline({
    ...stores,
    checker,
    maxPayloadBytes: config.maxPayloadBytes,
    onDurable: () => writer.notify(),
    onAccepted: (expected, checked) => {
      devices.observe(expected.sensor, expected.borough, checked)
      rollouts?.observe(expected.sensor, expected.borough, checked)
    },
    repair,
  })
  const consumers = mqtt ? startConsumers(config, { pipeline, spool, metrics, logger }) : undefined
  const commands =
    !mqtt || !stores.registry
      ? undefined
      : startCommands(config, { registry: stores.registry, metricsRegistry: metrics.registry, logger })
  let boundPort = config.httpPort
  rollouts = rolloutsOf(config, stores, commands, () => boundPort)
  repair?.start()
  const readiness = () => readinessOf(config, { spool, writer, consumers })
  const upkeep = startUpkeep(config, { pipeline, spool, quarantine, stats, qc, qcFile })
  // Before each scrape of the operator port: the gauges read from the stores, devices, rollouts.
  const refresh = () => {
    refreshGauges(metrics, stores)
    devices.refresh()
    rollouts?.refreshMetrics()
  }
  const parts: RunningParts = { stores, writer, checker, upkeep, consumers, commands, repair, governance, rollouts }
  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= stopIngest(parts)
    return closing
  }
  parts.listeners = await listenOrStop(
    () => startListeners(config, deps.plugins ?? [], { ...stores, pipeline, readiness }, refresh),
    close,
  )
  const { app, port, opsPort } = parts.listeners
  boundPort = port
  logger.info({ port, opsPort, mqtt: consumers?.describe().map((c) => c.clientId) }, 'ingest started')
  const running = { app, port, opsPort, spool, quarantine, stats, metrics, pipeline, writer, consumers, commands }
  return { ...running, repair, rollouts, readiness, close }
}

/** Fleet rollouts, sending through the commands; absent without a registry. */
function rolloutsOf(
  config: IngestConfig,
  stores: Stores,
  commands: IngestCommands | undefined,
  port: () => number,
): IngestRollouts | undefined {
  if (!stores.registry) return undefined
  const { registry, metrics, logger } = stores
  const wake = commands ? { wake: commands.wake } : {}
  return startRollouts(config, { registry, metricsRegistry: metrics.registry, logger, ...wake, port })
}

interface RunningParts {
  stores: Stores
  writer: InfluxWriter
  checker: Checker
  upkeep: { stop(): void }
  consumers: Consumers | undefined
  commands: IngestCommands | undefined
  repair: GapRepair | undefined
  governance: { stop(): Promise<void> } | undefined
  rollouts: IngestRollouts | undefined
  listeners?: Listeners
}

/** Intake first (HTTP, MQTT, commands), then the writer; what is unwritten stays in the spool. */
async function stopIngest(p: RunningParts): Promise<void> {
  const { stores } = p
  p.upkeep.stop()
  p.repair?.stop()
  await p.listeners?.close()
  await p.consumers?.close()
  p.rollouts?.close()
  await p.commands?.close()
  await p.checker.close()
  await p.governance?.stop()
  await p.writer.stop()
  stores.qc.flush()
  stores.qcFile.close()
  stores.stats.close()
  stores.spool.close()
  stores.quarantine.close()
  stores.ownRegistry?.close()
  stores.logger.info('ingest stopped')
}

/** Gap repair over the stats' seq ranges, asking devices through sendCommand(). */
function gapRepair(config: IngestConfig, stores: Stores, commands: () => IngestCommands | undefined): GapRepair {
  const logger = stores.logger.child({ component: 'gap-repair' })
  const requester = commandResendRequester(commands, logger)
  return new GapRepair({
    seqs: stores.stats.seqs,
    directory: stores.directory,
    requester,
    metrics: stores.metrics,
    logger,
    options: {
      graceMs: config.repairGraceMs,
      backoffMs: config.repairBackoffMs,
      maxBackoffMs: config.repairMaxBackoffMs,
      maxAttempts: config.repairMaxAttempts,
      tickMs: config.repairTickMs,
    },
  })
}

async function openStores(config: IngestConfig, deps: IngestDeps): Promise<Stores> {
  const logger = (deps.logger ?? deps.log ?? createLogger()).child({ service: 'ingest', instance: config.instance })
  const ownRegistry = deps.registry || deps.directory ? undefined : await openOwnRegistry(config)
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
      maxBytes: config.quarantineMaxBytes,
      rawPrefixBytes: config.quarantineRawBytes,
    }),
    stats: openSensorStats(config.dataDir),
    metrics: createIngestMetrics(),
    erased: erasedLinesOf(registry),
    qc: new QcHistory({ maxSeries: config.qcMaxSeries, store: qcFile }),
    qcFile,
  }
}

function erasedLinesOf(registry: Registry | undefined): ErasedLines {
  const erased = new ErasedLines()
  if (registry) loadTombstones(registry, erased)
  return erased
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
  const { spool, quarantine, erased } = stores
  return startInfluxWriter(config, { spool, quarantine, logger, events, erased })
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
