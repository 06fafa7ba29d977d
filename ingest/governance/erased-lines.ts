/**
 * Erasure tombstones: a sensor and a time range whose points must never be written again. The
 * writer drops matching lines from every batch (readings still in the spool, a device's outbox
 * replaying old readings after an erasure, a resend), so erased data cannot come back. The
 * ingest loads every erasure request from the registry, whatever its state.
 */
import type { SpoolRow } from '../spool/spool.js'

export interface Tombstone {
  erasure: number
  sensor: string
  /** [from, to) in epoch ms; from undefined = from the first reading. */
  from?: number
  to: number
}

/** The tag section of a line ends at its first unescaped space; sensor ids never need escaping. */
function sensorOf(line: string): string | undefined {
  let end = line.indexOf(' ')
  while (end > 0 && line[end - 1] === '\\') end = line.indexOf(' ', end + 1)
  const tags = end < 0 ? line : line.slice(0, end)
  const at = tags.indexOf(',sensor=')
  if (at < 0) return undefined
  const start = at + 8
  const stop = tags.indexOf(',', start)
  return tags.slice(start, stop < 0 ? undefined : stop)
}

/** The line's timestamp (ms: the writer's precision), its last field. */
const timeOf = (line: string): number => Number(line.slice(line.lastIndexOf(' ') + 1))

export class ErasedLines {
  private bySensor = new Map<string, Tombstone[]>()
  /** Lines dropped at write time, by erasure id. */
  readonly dropped = new Map<number, number>()

  /** Replaces the tombstones (all erasures the registry holds). */
  set(tombstones: readonly Tombstone[]): void {
    const next = new Map<string, Tombstone[]>()
    for (const t of tombstones) next.set(t.sensor, [...(next.get(t.sensor) ?? []), t])
    this.bySensor = next
  }

  get active(): boolean {
    return this.bySensor.size > 0
  }

  /** The tombstone a line falls under, if any. */
  match(line: string): Tombstone | undefined {
    const sensor = sensorOf(line)
    const list = sensor === undefined ? undefined : this.bySensor.get(sensor)
    if (!list) return undefined
    const time = timeOf(line)
    return list.find((t) => (t.from === undefined || time >= t.from) && time < t.to)
  }

  /** Rows as they may be written: erased lines removed (counted), rows left empty dropped. */
  filter(rows: readonly SpoolRow[]): SpoolRow[] {
    if (!this.active) return [...rows]
    const out: SpoolRow[] = []
    for (const row of rows) {
      const lines = String(row.lines).split('\n')
      const kept = lines.filter((line) => {
        const t = this.match(line)
        if (t) this.dropped.set(t.erasure, (this.dropped.get(t.erasure) ?? 0) + 1)
        return t === undefined
      })
      if (kept.length === lines.length) out.push(row)
      else if (kept.length > 0) out.push({ ...row, lines: kept.join('\n'), count: kept.length })
    }
    return out
  }
}
