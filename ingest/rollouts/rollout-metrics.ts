/**
 * Rollout metrics for Prometheus, read from the registry at scrape time (RolloutFailureRateHigh
 * in deploy/prometheus/rules/ is built on them): the devices of each running, paused or halted
 * rollout by state (only this instance's boroughs, so instances that split the boroughs add up),
 * which stage each is at, and how many rollouts the driver halted.
 */
import { Counter, Gauge, type Registry as MetricsRegistry } from 'prom-client'
import type { Registry, RolloutDeviceState } from '../../registry/index.js'

const STATES: readonly RolloutDeviceState[] = [
  'waiting',
  'pending',
  'downloading',
  'installed',
  'healthy',
  'failed',
  'rolled_back',
  'skipped',
]

export function createRolloutMetrics(metrics: MetricsRegistry, registry: Registry, boroughs: readonly string[]) {
  const devices = new Gauge({
    name: 'streetsense_rollout_devices',
    help: 'Devices of a running, paused or halted rollout by state (failed includes no report before the deadline)',
    labelNames: ['rollout', 'release', 'state'] as const,
    registers: [metrics],
  })
  const info = new Gauge({
    name: 'streetsense_rollout_info',
    help: '1 for each running, paused or halted rollout, with its state and current stage',
    labelNames: ['rollout', 'release', 'state', 'stage'] as const,
    registers: [metrics],
  })
  const halts = new Counter({
    name: 'streetsense_rollouts_halted_total',
    help: 'Rollouts this ingest halted because too many of their devices failed',
    registers: [metrics],
  })
  const scope = boroughs.length ? { boroughs } : {}
  return {
    halts,
    refresh(): void {
      devices.reset()
      info.reset()
      for (const r of registry.fleet.listRollouts({ states: ['running', 'paused', 'halted'], limit: 1000 })) {
        info.set({ rollout: r.id, release: r.release, state: r.state, stage: r.stages[r.stage]?.name ?? '' }, 1)
        const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<RolloutDeviceState, number>
        for (const d of registry.fleet.rolloutDevices(r.id, scope)) counts[d.state]++
        for (const state of STATES) devices.set({ rollout: r.id, release: r.release, state }, counts[state])
      }
    },
  }
}
