/**
 * The ingest's side of fleet rollouts: the driver (rollout-driver.ts) on a timer, its metrics, and
 * the device states it learns from heartbeats and readings (device-observer.ts). startIngest
 * starts it when it has a registry; it drives rollouts only with MQTT (it sends update commands
 * through the commands table and the command sender, like every other command).
 */
import type { Logger } from 'pino'
import type { Registry as MetricsRegistry } from 'prom-client'
import type { Registry } from '../../registry/index.js'
import type { Accepted } from '../accept/check-message.js'
import type { IngestConfig } from '../config.js'
import { observeDevices } from './device-observer.js'
import { RolloutDriver } from './rollout-driver.js'
import { createRolloutMetrics } from './rollout-metrics.js'

export interface IngestRollouts {
  observe(sensor: string, borough: string, accepted: Accepted): void
  /** Refreshes the rollout gauges before a scrape. */
  refreshMetrics(): void
  tick(): void
  close(): void
}

export type RolloutSettings = Pick<
  IngestConfig,
  'boroughs' | 'rolloutPollMs' | 'releaseBaseUrl' | 'mqttUsername' | 'instance'
>

export function startRollouts(
  config: RolloutSettings,
  deps: {
    registry: Registry
    metricsRegistry: MetricsRegistry
    logger: Logger
    /** Wakes the command sender; absent without MQTT: then rollouts are not driven from here. */
    wake?: () => void
    port(): number
  },
): IngestRollouts {
  const log = deps.logger.child({ component: 'rollouts' })
  const metrics = createRolloutMetrics(deps.metricsRegistry, deps.registry, config.boroughs)
  const observer = observeDevices(deps.registry, log)
  const driver = new RolloutDriver({
    registry: deps.registry,
    log,
    boroughs: config.boroughs,
    actor: config.mqttUsername ?? config.instance,
    releaseBaseUrl: () => config.releaseBaseUrl ?? `http://127.0.0.1:${deps.port()}`,
    wake: () => deps.wake?.(),
    onHalt: () => metrics.halts.inc(),
  })
  const tick = () => {
    try {
      driver.tick()
    } catch (err) {
      log.error({ err }, 'could not read rollouts')
    }
  }
  const timer = deps.wake ? setInterval(tick, config.rolloutPollMs) : undefined
  timer?.unref()
  return {
    observe: (sensor, borough, accepted) => observer.observe(sensor, borough, accepted),
    refreshMetrics: () => metrics.refresh(),
    tick,
    close() {
      clearInterval(timer)
      observer.close()
    },
  }
}
