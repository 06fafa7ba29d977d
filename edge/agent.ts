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
  const log = deps.logger.child({ sensor: config.sensor.id })
  const now = deps.now ?? Date.now
  const startedAt = now()
  const outbox = new Outbox(config.dataDir, config.outbox, now)
  const drivers: SensorDriver[] = deps.drivers ? [...deps.drivers] : []
  const errors: NonNullable<DeviceStatus['errors']> = []
  let clock: ClockStatus = { synced: false, source: 'none', detail: 'not checked yet' }
  const timers: NodeJS.Timeout[] = []
  let closeTimer: NodeJS.Timeout | undefined
  let stopped = false

  const aggregator = new Aggregator({
    sensor: config.sensor.id,
    borough: config.sensor.borough,
    kind: config.sensor.kind,
    grade: config.sensor.grade,
    intervalSeconds: outbox.getSetting('interval') ?? config.publishIntervalSeconds,
    classes: trafficClasses(config),
    startTime: startedAt,
  })

  const remember = (err: StreetsenseError, driver?: string) => {
    errors.push({
      code: err.code,
      message: err.message.slice(0, 500),
      ...(driver ? { driver: driver.slice(0, 64) } : {}),
      time: new Date(now()).toISOString(),
    })
    if (errors.length > 20) errors.shift()
  }

  const status = (): DeviceStatus => {
    const c = outbox.counters()
    const firmware = drivers
      .map((d) => d.firmware)
      .filter(Boolean)
      .join(', ')
    return {
      sensor: config.sensor.id,
      borough: config.sensor.borough,
      time: new Date(now()).toISOString(),
      agent_version: agentVersion(),
      ...(firmware ? { firmware: firmware.slice(0, 128) } : {}),
      uptime: Math.max(0, Math.floor((now() - startedAt) / 1000)),
      outbox_depth: outbox.depth(),
      evicted: c.evicted,
      rejected: c.rejected,
      clock_synced: clock.synced,
      ...(c.lastSeq > 0 ? { last_seq: c.lastSeq } : {}),
      ...(errors.length ? { errors: [...errors] } : {}),
      ...withUpdate(config.updateStateFile),
    }
  }
  const statusTopic = buildTopic(config.sensor.borough, config.sensor.id, 'status')
  const sendStatus = () => publisher.publishStatus(statusTopic, JSON.stringify(status()))

  const onDownlink = createDownlinkHandler({
    log,
    outbox,
    aggregator,
    remember,
    rewind: (seq) => publisher.rewind(seq),
    sendStatus: () => sendStatus(),
  })
  const publisher = new Publisher(config, outbox, log, { onDownlink })

  const closeWindows = () => {
    const flags = clock.synced ? [] : ['clock_unsynced']
    try {
      const readings = outbox.append(aggregator.close(now(), flags))
      if (readings.length) log.debug({ seq: readings.map((r) => r.seq) }, 'readings stored')
      publisher.pump()
      deps.onHealthy?.()
    } catch (err) {
      log.error({ err: (err as Error).message, code: 'IOT_EDGE_OUTBOX' }, 'cannot store readings')
      remember(new StreetsenseError('IOT_EDGE_OUTBOX', (err as Error).message))
    }
  }
  const scheduleClose = () => {
    if (stopped) return
    // Close a little after the boundary so samples stamped just before it are in.
    const delay = Math.max(10, aggregator.nextClose - now() + 50)
    closeTimer = setTimeout(() => {
      closeWindows()
      scheduleClose()
    }, delay)
  }

  return {
    outbox,
    publisher,
    drivers,
    status,
    async start() {
      if (!deps.drivers) drivers.push(...(await createDrivers(config, deps)))
      clock = await (deps.clock ?? checkClock)()
      if (!clock.synced)
        log.warn({ clock }, 'system clock not known to be synchronised; readings flagged clock_unsynced')
      for (const d of drivers) {
        d.on('sample', (s) => aggregator.add(s))
        d.on('fault', (err) => {
          log.warn({ driver: d.name, code: err.code, err: err.message }, 'sensor fault')
          remember(err, d.name)
        })
        await d.start()
      }
      publisher.start()
      scheduleClose()
      timers.push(setInterval(sendStatus, config.statusIntervalSeconds * 1000))
      timers.push(setInterval(() => outbox.evictExpired(), 60_000))
      timers.push(setInterval(() => outbox.pruneDone(), 30_000))
      timers.push(setInterval(() => outbox.checkpoint(), 600_000))
      timers.push(
        setInterval(async () => {
          clock = await (deps.clock ?? checkClock)()
        }, 600_000),
      )
      log.info(
        { topic: publisher.topic, interval: aggregator.interval, drivers: drivers.map((d) => d.name) },
        'edge agent started',
      )
    },
    async stop() {
      stopped = true
      if (closeTimer) clearTimeout(closeTimer)
      for (const t of timers) clearInterval(t)
      await Promise.all(drivers.map((d) => d.stop().catch(() => undefined)))
      await publisher.stop()
      outbox.close()
    },
  }
}
