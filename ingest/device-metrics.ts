/**
 * Per-device gauges for alerting (deploy/prometheus/rules/): when each registered, active device
 * was last seen and at what interval it reports (so "silent for more than two intervals" is one
 * comparison), and what its last heartbeat said (outbox depth, evictions, clock, the outcome of
 * its last update). Filled at scrape time from the registry, the per-sensor stats and the last
 * heartbeat kept in memory, so nothing is counted per message. A device registered but never
 * seen counts as seen when its register entry last changed (it went active then), so a node
 * that never comes up alerts too. An ingest serving some boroughs exports only their devices.
 */
import { Gauge, type Registry } from 'prom-client'
import type { DeviceStatus } from '../schemas/index.js'
import type { Accepted } from './accept/check-message.js'
import type { SensorStatsView } from './stats/sensor-stats.js'

export interface RegisteredDevice {
  id: string
  borough: string
  /** When the register entry last changed (ISO). */
  since: string
}

export interface DeviceSource {
  /** Active devices in the registry; undefined when the ingest has no registry to list. */
  active(): RegisteredDevice[] | undefined
  stats: Pick<SensorStatsView, 'list'>
  /** Used until a device's first reading says its interval (the agent's default). */
  defaultIntervalSeconds: number
  boroughs: readonly string[]
}

interface Known {
  borough?: string
  interval?: number
  status?: DeviceStatus
}

const gauge = (registry: Registry, name: string, help: string, labelNames: string[]) =>
  new Gauge({ name, help, labelNames, registers: [registry] })

/** The gauges, labelled by device and borough (the update gauge also by version and state). */
function deviceGauges(registry: Registry) {
  return {
    lastSeen: gauge(
      registry,
      'streetsense_device_last_seen_timestamp_seconds',
      'Last message from the device (reading or heartbeat), Unix time',
      ['device', 'borough'],
    ),
    interval: gauge(
      registry,
      'streetsense_device_report_interval_seconds',
      "The device's reading interval (from its last reading)",
      ['device', 'borough'],
    ),
    outbox: gauge(
      registry,
      'streetsense_device_outbox_depth',
      'Readings waiting in the device outbox (last heartbeat)',
      ['device', 'borough'],
    ),
    evicted: gauge(
      registry,
      'streetsense_device_outbox_evicted',
      'Readings the device dropped from a full outbox since install (last heartbeat)',
      ['device', 'borough'],
    ),
    clock: gauge(
      registry,
      'streetsense_device_clock_synced',
      '1 when the device clock is NTP-synchronised (last heartbeat)',
      ['device', 'borough'],
    ),
    update: gauge(
      registry,
      'streetsense_device_update_state',
      "1 for the device's last agent update outcome and the version it concerns",
      ['device', 'borough', 'version', 'state'],
    ),
  }
}

export function createDeviceMetrics(registry: Registry, source: DeviceSource) {
  const known = new Map<string, Known>()
  const g = deviceGauges(registry)

  function devices(): RegisteredDevice[] {
    const listed = source.active()
    const all =
      listed ??
      [...known.entries()].map(([id, k]) => ({ id, borough: k.borough ?? '', since: new Date(0).toISOString() }))
    return source.boroughs.length ? all.filter((d) => source.boroughs.includes(d.borough)) : all
  }

  function refresh(): void {
    for (const x of Object.values(g)) x.reset()
    const seen = new Map(source.stats.list().map((s) => [s.sensor, s.lastSeen]))
    for (const d of devices()) {
      const labels = { device: d.id, borough: d.borough }
      const k = known.get(d.id)
      g.lastSeen.set(labels, Date.parse(seen.get(d.id) ?? d.since) / 1000)
      g.interval.set(labels, k?.interval ?? source.defaultIntervalSeconds)
      const s = k?.status
      if (!s) continue
      g.outbox.set(labels, s.outbox_depth)
      g.evicted.set(labels, s.evicted)
      g.clock.set(labels, s.clock_synced ? 1 : 0)
      if (s.update) g.update.set({ ...labels, version: s.update.version, state: s.update.state }, 1)
    }
  }

  return {
    refresh,
    /** Called for every accepted message: keeps the interval of readings and the last heartbeat. */
    observe(sensor: string, borough: string, accepted: Accepted): void {
      const k = known.get(sensor) ?? {}
      k.borough = borough
      if (accepted.interval) k.interval = accepted.interval
      if (accepted.status) k.status = accepted.status
      known.set(sensor, k)
    },
  }
}

export type DeviceMetrics = ReturnType<typeof createDeviceMetrics>
