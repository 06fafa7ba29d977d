/**
 * The ingest's timers: an `ingest_health` point every healthIntervalMs, the per-sensor counters
 * written every second, the QC series state every 5 seconds, the quarantine and old QC states
 * pruned every hour. None keeps the process alive.
 */
import type { Pipeline } from './accept/pipeline.js'
import type { IngestConfig } from './config.js'
import { startHealthPoints } from './health-points.js'
import type { QcHistory } from './qc/history.js'
import type { QcStateFile } from './qc/state-store.js'
import type { Quarantine } from './quarantine/quarantine.js'
import type { Spool } from './spool/spool.js'
import type { SensorStats } from './stats/sensor-stats.js'

const QC_STATE_FLUSH_MS = 5000
const QC_STATE_MAX_AGE_DAYS = 30

export function startUpkeep(
  config: Pick<IngestConfig, 'instance' | 'healthIntervalMs'>,
  parts: {
    pipeline: Pipeline
    spool: Spool
    quarantine: Quarantine
    stats: SensorStats
    qc: QcHistory
    qcFile: QcStateFile
  },
): { stop(): void } {
  const timers = [
    startHealthPoints(config, parts),
    setInterval(() => parts.stats.flush(), 1000),
    setInterval(() => parts.qc.flush(), QC_STATE_FLUSH_MS),
    setInterval(() => {
      parts.quarantine.prune()
      parts.qcFile.prune(QC_STATE_MAX_AGE_DAYS)
    }, 3_600_000),
  ]
  for (const timer of timers) timer.unref()
  return {
    stop() {
      for (const timer of timers) clearInterval(timer)
    },
  }
}
