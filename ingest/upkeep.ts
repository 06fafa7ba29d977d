/**
 * The ingest's timers: an `ingest_health` point every healthIntervalMs, the per-sensor counters
 * written every second, the quarantine pruned every hour. None keeps the process alive.
 */
import type { Pipeline } from './accept/pipeline.js'
import type { IngestConfig } from './config.js'
import { startHealthPoints } from './health-points.js'
import type { Quarantine } from './quarantine/quarantine.js'
import type { Spool } from './spool/spool.js'
import type { SensorStats } from './stats/sensor-stats.js'

export function startUpkeep(
  config: Pick<IngestConfig, 'instance' | 'healthIntervalMs'>,
  parts: { pipeline: Pipeline; spool: Spool; quarantine: Quarantine; stats: SensorStats },
): { stop(): void } {
  const timers = [
    startHealthPoints(config, parts),
    setInterval(() => parts.stats.flush(), 1000),
    setInterval(() => parts.quarantine.prune(), 3_600_000),
  ]
  for (const timer of timers) timer.unref()
  return {
    stop() {
      for (const timer of timers) clearInterval(timer)
    },
  }
}
