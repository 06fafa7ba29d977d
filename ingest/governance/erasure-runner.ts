/**
 * Carrying out one erasure request (recorded in the registry by the CLI or the admin API), in an
 * order that lets nothing erased come back:
 * 1. the tombstone is already in the writer's filter (governance.ts loads it before claiming),
 *    so no write begun from now on carries the erased points;
 * 2. wait for the writes begun before it, and for other ingest instances to load it too;
 * 3. purge the spool's waiting rows, then delete from InfluxDB (counted first);
 * 4. delete the quarantined messages and the archive rows;
 * then the registry records what went, with an audit record.
 */
import type { ErasureRecord, ErasureResult } from '../../registry/index.js'
import type { Quarantine } from '../quarantine/quarantine.js'
import type { Spool } from '../spool/spool.js'
import type { InfluxTarget } from '../store/influx-http.js'
import type { InfluxWriter } from '../store/influx-writer.js'
import { eraseInArchives } from './archive-erase.js'
import { ErasedLines, type Tombstone } from './erased-lines.js'
import { countPoints, deletePoints } from './influx-delete.js'

export interface ErasureParts {
  target: InfluxTarget
  spool: Pick<Spool, 'purge'>
  quarantine: Pick<Quarantine, 'erase'>
  writer: Pick<InfluxWriter, 'settle'>
  /** The writer's filter: how many erased points it dropped while writing. */
  erased: Pick<ErasedLines, 'dropped'>
  archiveDir: string
  /** How long other ingest instances may take to load a new tombstone. */
  graceMs: number
}

export function tombstoneOf(e: ErasureRecord): Tombstone {
  return { erasure: e.id, sensor: e.sensor, ...(e.from ? { from: Date.parse(e.from) } : {}), to: Date.parse(e.to) }
}

export async function runErasure(p: ErasureParts, e: ErasureRecord): Promise<ErasureResult> {
  const tombstone = tombstoneOf(e)
  const range = { from: tombstone.from, to: tombstone.to }
  await p.writer.settle()
  await new Promise((resolve) => setTimeout(resolve, p.graceMs))
  const only = new ErasedLines()
  only.set([tombstone])
  const purged = p.spool.purge((line) => only.match(line) !== undefined)
  const influx = await countPoints(p.target, e.sensor, range)
  if (influx > 0) await deletePoints(p.target, e.sensor, range)
  const quarantined = p.quarantine.erase(e.sensor, range)
  const archives = await eraseInArchives(p.archiveDir, e.sensor, range)
  return {
    influx_points: influx,
    spool_points: purged + (p.erased.dropped.get(e.id) ?? 0),
    quarantine_records: quarantined,
    archive_rows: archives.rows,
    archive_files: archives.files,
  }
}
