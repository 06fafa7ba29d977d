/**
 * Retention enforced: every sensor's readings older than its register `retention` (the same
 * field the register page shows as "Kept for ...") are deleted from InfluxDB, and each deletion
 * is audited in the registry (who: the ingest instance or the CLI user; what: sensor, cutoff and
 * retention; how much: points). A sensor kept `indefinitely` is never touched. Counting first
 * means a sensor with nothing old costs one cheap query and no delete (no tombstones in InfluxDB).
 */
import type { Registry, RetentionRun } from '../../registry/index.js'
import { retentionCutoff } from '../../registry/index.js'
import type { InfluxTarget } from '../store/influx-http.js'
import { countPoints, deletePoints } from './influx-delete.js'

export interface RetentionDeps {
  registry: Pick<Registry, 'listSensors' | 'recordRetention'>
  target: InfluxTarget
  /** Only these boroughs' sensors (empty: all). */
  boroughs: readonly string[]
  /** Who the audit record names. */
  actor: string
  now?: number
  /** Count only: what a run would delete. */
  dryRun?: boolean
}

export async function enforceRetention(d: RetentionDeps): Promise<RetentionRun[]> {
  const now = d.now ?? Date.now()
  const runs: RetentionRun[] = []
  for (const { entry } of d.registry.listSensors()) {
    if (d.boroughs.length > 0 && !d.boroughs.includes(entry.borough)) continue
    const cutoff = retentionCutoff(entry.retention, now)
    if (cutoff === undefined) continue
    const range = { to: cutoff }
    const points = await countPoints(d.target, entry.id, range)
    if (points === 0) continue
    const run = { sensor: entry.id, retention: entry.retention, before: new Date(cutoff).toISOString(), points }
    if (!d.dryRun) {
      await deletePoints(d.target, entry.id, range)
      d.registry.recordRetention(run, d.actor)
    }
    runs.push(run)
  }
  return runs
}
