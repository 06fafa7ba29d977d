/**
 * What each device says of its own agent, kept in the registry (device_state) for `streetsense
 * fleet status` and the register: its reading interval (for "offline since"), and from its
 * heartbeats the agent version and where its last update stands. Devices send heartbeats every
 * few minutes and readings every interval, but these facts rarely change: the ingest remembers
 * the last value in memory and writes only changes, in one transaction every few seconds.
 */
import type { Logger } from 'pino'
import type { DeviceObservation, Registry } from '../../registry/index.js'
import type { Accepted } from '../accept/check-message.js'

export interface DeviceObserver {
  observe(sensor: string, borough: string, accepted: Accepted): void
  flush(): void
  close(): void
}

const FLUSH_MS = 5000

export function observeDevices(registry: Registry, log: Logger): DeviceObserver {
  const intervals = new Map<string, number>()
  const reports = new Map<string, string>()
  const dirty = new Map<string, DeviceObservation>()
  const flush = () => {
    if (dirty.size === 0) return
    const batch = [...dirty.values()]
    dirty.clear()
    try {
      registry.fleet.observeDevices(batch)
    } catch (err) {
      log.warn({ err, devices: batch.length }, 'could not record device states')
    }
  }
  const timer = setInterval(flush, FLUSH_MS)
  timer.unref()
  return {
    observe(sensor, borough, accepted) {
      const change: DeviceObservation = { sensor, borough }
      if (accepted.interval && intervals.get(sensor) !== accepted.interval) {
        intervals.set(sensor, accepted.interval)
        change.intervalSeconds = accepted.interval
      }
      const s = accepted.status
      // A heartbeat is recorded when what it says of the agent changes, not for its own time.
      const report = s && JSON.stringify([s.agent_version, s.update])
      if (s && report !== reports.get(sensor)) {
        reports.set(sensor, report!)
        Object.assign(
          change,
          { agentVersion: s.agent_version, heartbeatAt: s.time },
          s.update ? { update: s.update } : {},
        )
      }
      if (Object.keys(change).length > 2) dirty.set(sensor, { ...dirty.get(sensor), ...change })
    },
    flush,
    close() {
      clearInterval(timer)
      flush()
    },
  }
}
