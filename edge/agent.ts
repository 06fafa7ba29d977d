/**
 * The edge agent: drivers -> aggregator -> outbox -> publisher, plus the status heartbeat, the
 * clock check and the node's downlink (cmd, errors). createEdgeAgent(config, deps) builds it;
 * start()/stop() run it. Nothing a sensor or the network does stops the agent: faults are logged,
 * kept for the heartbeat and retried.
 */
import type { Logger } from 'pino'
import { StreetsenseError } from '../core/index.js'
import type { DeviceStatus } from '../schemas/index.js'
import { buildTopic } from '../schemas/index.js'
import { Aggregator } from './aggregate/aggregator.js'
import { type ClockStatus, checkClock } from './aggregate/clock-check.js'
import type { EdgeConfig, TrafficClass } from './config.js'
import { ActivityReport } from './publish/activity-report.js'
import { CommandLedger } from './publish/command-ledger.js'
import { type CommandRunner, createCommandRunner } from './publish/commands.js'
import { createDownlinkHandler } from './publish/downlink.js'
import { Outbox } from './publish/outbox.js'
import { Publisher } from './publish/publisher.js'
import { createDrivers, type DriverDeps } from './sensors/create-driver.js'
import type { SensorDriver } from './sensors/driver.js'
import { updateReport } from './update/report.js'
import { agentVersion } from './version.js'

const ALL_CLASSES: TrafficClass[] = ['pedal_cycle', 'motorcycle', 'car', 'bus_coach', 'lgv', 'hgv', 'pedestrian']

export interface EdgeAgentDeps extends DriverDeps {
  logger: Logger
  drivers?: SensorDriver[]
  clock?: () => Promise<ClockStatus>
  /** Called after each healthy main-loop turn (systemd watchdog). */
  onHealthy?: () => void
}

export interface EdgeAgent {
  start(): Promise<void>
  stop(): Promise<void>
  status(): DeviceStatus
  readonly outbox: Outbox
  readonly publisher: Publisher
  readonly drivers: SensorDriver[]
}

function trafficClasses(config: EdgeConfig): TrafficClass[] {
  const fromArduino = config.sensors.flatMap((s) =>
    s.driver === 'arduino' ? (s.traffic ?? []).map((t) => t.class) : [],
  )
  return fromArduino.length ? [...new Set(fromArduino)] : ALL_CLASSES
}

const withUpdate = (file: string) => {
  const update = updateReport(file)
  return update ? { update } : {}
}

export function createEdgeAgent(config: EdgeConfig, deps: EdgeAgentDeps): EdgeAgent {
  return new NodeAgent(config, deps)
}

const MAX_KEPT_ERRORS = 20

class NodeAgent implements EdgeAgent {
  readonly outbox: Outbox
  readonly publisher: Publisher
  readonly drivers: SensorDriver[]
  private readonly log: Logger
  private readonly now: () => number
  private readonly startedAt: number
  private readonly aggregator: Aggregator
  private readonly activity: ActivityReport
  private readonly statusTopic: string
  private readonly ledger: CommandLedger
  /** The latest faults, for the heartbeat. */
  private readonly errors: NonNullable<DeviceStatus['errors']> = []
  private clock: ClockStatus = { synced: false, source: 'none', detail: 'not checked yet' }
  private readonly timers: NodeJS.Timeout[] = []
  private closeTimer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(
    private readonly config: EdgeConfig,
    private readonly deps: EdgeAgentDeps,
  ) {
    this.log = deps.logger.child({ sensor: config.sensor.id })
    this.now = deps.now ?? Date.now
    this.startedAt = this.now()
    this.outbox = new Outbox(config.dataDir, config.outbox, this.now)
    this.drivers = deps.drivers ? [...deps.drivers] : []
    this.aggregator = new Aggregator({
      sensor: config.sensor.id,
      borough: config.sensor.borough,
      kind: config.sensor.kind,
      grade: config.sensor.grade,
      intervalSeconds: this.outbox.getSetting('interval') ?? config.publishIntervalSeconds,
      classes: trafficClasses(config),
      startTime: this.startedAt,
    })
    this.statusTopic = buildTopic(config.sensor.borough, config.sensor.id, 'status')
    this.ledger = new CommandLedger(config.dataDir)
    const commands = this.createCommands()
    const onDownlink = createDownlinkHandler({
      log: this.log,
      outbox: this.outbox,
      commands,
      remember: (err) => this.remember(err),
    })
    // On every connect: answers the broker never acknowledged go again (commands queued while
    // the node was away arrive on their own: persistent session, QoS 1 subscription).
    const onConnectionChange = (connected: boolean) => connected && commands.flush()
    this.publisher = new Publisher(config, this.outbox, this.log, {
      onDownlink,
      onConnectionChange,
      onDelivered: (seqs) => this.activity.noteDelivered(seqs),
    })
    this.activity = new ActivityReport(this.log, this.outbox, () => this.publisher.connected, this.aggregator.interval)
  }

  private createCommands(): CommandRunner {
    const { config, outbox, aggregator } = this
    const resultTopic = buildTopic(config.sensor.borough, config.sensor.id, 'result')
    return createCommandRunner({
      sensor: config.sensor.id,
      borough: config.sensor.borough,
      log: this.log,
      ledger: this.ledger,
      now: this.now,
      publishResult: (result, acked) => this.publisher.publishNow(resultTopic, JSON.stringify(result), acked),
      setInterval(seconds) {
        aggregator.setInterval(seconds)
        outbox.setSetting('interval', seconds)
      },
      requeue: (from, to) => outbox.resend(from, to),
      rewind: (seq) => this.publisher.rewind(seq),
      sendStatus: () => this.sendStatus(),
      remember: (err) => this.remember(err),
    })
  }

  async start(): Promise<void> {
    if (!this.deps.drivers) this.drivers.push(...(await createDrivers(this.config, this.deps)))
    await this.checkClock()
    if (!this.clock.synced) {
      this.log.warn({ clock: this.clock }, 'system clock not known to be synchronised; readings flagged clock_unsynced')
    }
    for (const d of this.drivers) await this.startDriver(d)
    if (this.config.outbox.keepSent !== undefined) {
      this.log.warn('outbox.keepSent is ignored: the resend window is outbox.retainSentHours and retainSentMB')
    }
    this.publisher.start()
    this.scheduleClose()
    this.startTimers()
    this.log.info(
      { topic: this.publisher.topic, interval: this.aggregator.interval, drivers: this.drivers.map((d) => d.name) },
      'edge agent started',
    )
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.closeTimer) clearTimeout(this.closeTimer)
    for (const t of this.timers) clearInterval(t)
    await Promise.all(this.drivers.map((d) => d.stop().catch(() => undefined)))
    await this.publisher.stop()
    this.outbox.close()
    this.ledger.close()
  }

  status(): DeviceStatus {
    const { config, outbox, errors } = this
    const c = outbox.counters()
    const w = outbox.resendWindow()
    const firmware = this.drivers
      .map((d) => d.firmware)
      .filter(Boolean)
      .join(', ')
    return {
      sensor: config.sensor.id,
      borough: config.sensor.borough,
      time: new Date(this.now()).toISOString(),
      agent_version: agentVersion(),
      ...(firmware ? { firmware: firmware.slice(0, 128) } : {}),
      uptime: Math.max(0, Math.floor((this.now() - this.startedAt) / 1000)),
      outbox_depth: outbox.depth(),
      evicted: c.evicted,
      rejected: c.rejected,
      clock_synced: this.clock.synced,
      last_seq: c.lastSeq,
      resendable_from: w.resendableFrom,
      retained: w.retained,
      retained_evicted: w.retainedEvicted,
      ...(errors.length ? { errors: [...errors] } : {}),
      ...withUpdate(config.updateStateFile),
    }
  }

  private async checkClock(): Promise<void> {
    this.clock = await (this.deps.clock ?? checkClock)()
  }

  /** Samples go to the aggregator; faults are logged and kept for the heartbeat, never fatal. */
  private async startDriver(d: SensorDriver): Promise<void> {
    d.on('sample', (s) => this.aggregator.add(s))
    d.on('fault', (err) => {
      this.log.warn({ driver: d.name, code: err.code, err: err.message }, 'sensor fault')
      this.remember(err, d.name)
    })
    await d.start()
  }

  /** The heartbeat, outbox housekeeping and the clock re-check. */
  private startTimers(): void {
    const { outbox } = this
    this.timers.push(
      setInterval(() => this.sendStatus(), this.config.statusIntervalSeconds * 1000),
      setInterval(() => outbox.evictExpired(), 60_000),
      setInterval(() => outbox.trimWindow(), 30_000),
      setInterval(() => outbox.checkpoint(), 600_000),
      setInterval(() => this.checkClock(), 600_000),
      setInterval(() => this.activity.report(), this.activity.everyMs),
    )
  }

  private remember(err: StreetsenseError, driver?: string): void {
    this.errors.push({
      code: err.code,
      message: err.message.slice(0, 500),
      ...(driver ? { driver: driver.slice(0, 64) } : {}),
      time: new Date(this.now()).toISOString(),
    })
    if (this.errors.length > MAX_KEPT_ERRORS) this.errors.shift()
  }

  private sendStatus(): void {
    const status = this.status()
    this.publisher.publishStatus(this.statusTopic, JSON.stringify(status))
    this.activity.heartbeat(status)
  }

  /** Closes the finished aggregation windows into the outbox and lets the publisher send them. */
  private closeWindows(): void {
    const flags = this.clock.synced ? [] : ['clock_unsynced']
    try {
      const readings = this.outbox.append(this.aggregator.close(this.now(), flags))
      if (readings.length) this.log.debug({ seq: readings.map((r) => r.seq) }, 'readings stored')
      this.activity.noteTaken(readings.length)
      this.publisher.pump()
      this.deps.onHealthy?.()
    } catch (err) {
      this.log.error({ err: (err as Error).message, code: 'IOT_EDGE_OUTBOX' }, 'cannot store readings')
      this.remember(new StreetsenseError('IOT_EDGE_OUTBOX', (err as Error).message))
    }
  }

  private scheduleClose(): void {
    if (this.stopped) return
    // Close a little after the boundary so samples stamped just before it are in.
    const delay = Math.max(10, this.aggregator.nextClose - this.now() + 50)
    this.closeTimer = setTimeout(() => {
      this.closeWindows()
      this.scheduleClose()
    }, delay)
  }
}
