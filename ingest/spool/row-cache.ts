/**
 * Rows committed to the spool in this process, kept in memory (up to a byte bound) so the writer
 * takes them without reading back from SQLite: at tens of thousands of points a second the
 * read-back cost the ingest's one thread ~6% (profiled). SQLite stays the source of truth; when a
 * row exists only on disk (left by an earlier run, or appended while the cache was full) the
 * spool reads from SQLite until every such row is gone.
 */
import type { SpoolRow } from './spool-types.js'

interface CachedRow extends SpoolRow {
  added: number
  taken: boolean
}

export class RowCache {
  /** Insertion order = id order: rows are committed in id order. */
  private readonly rows = new Map<number, CachedRow>()
  private bytes = 0
  /** Rows that are in SQLite but not here. */
  private diskOnly: number

  constructor(
    private readonly maxBytes: number,
    rowsOnDisk: number,
  ) {
    this.diskOnly = rowsOnDisk
  }

  /** True while every row not yet acked is here, so take() may be served from memory. */
  get complete(): boolean {
    return this.diskOnly === 0
  }

  add(row: SpoolRow, added: number): void {
    const size = row.lines.length + row.source.length + 64
    if (this.bytes + size > this.maxBytes) {
      this.diskOnly++
      return
    }
    this.rows.set(row.id, { ...row, added, taken: false })
    this.bytes += size
  }

  /** Oldest rows not taken, up to about maxLines points (at least one row); marks them taken. */
  take(maxLines: number): SpoolRow[] {
    const out: SpoolRow[] = []
    let lines = 0
    for (const row of this.rows.values()) {
      if (row.taken) continue
      if (out.length > 0 && lines + row.count > maxLines) break
      row.taken = true
      out.push({ id: row.id, lines: row.lines, count: row.count, source: row.source })
      lines += row.count
      if (lines >= maxLines) break
    }
    return out
  }

  /** Rows acked (written or quarantined): forgotten, whether they were here or only on disk. */
  remove(ids: readonly number[]): void {
    for (const id of ids) {
      const row = this.rows.get(id)
      if (!row) {
        if (this.diskOnly > 0) this.diskOnly--
        continue
      }
      this.rows.delete(id)
      this.bytes -= row.lines.length + row.source.length + 64
    }
  }

  /** Rows taken from disk (while the cache was not complete) that are also here. */
  markTaken(ids: readonly number[]): void {
    for (const id of ids) {
      const row = this.rows.get(id)
      if (row) row.taken = true
    }
  }

  /** Makes taken rows available again. */
  release(ids: readonly number[]): void {
    for (const id of ids) {
      const row = this.rows.get(id)
      if (row) row.taken = false
    }
  }

  /** New lines for a row (fewer points after a purge). */
  replace(id: number, lines: string, count: number): void {
    const row = this.rows.get(id)
    if (!row) return
    this.bytes -= row.lines.length
    row.lines = lines
    row.count = count
    this.bytes += lines.length
  }

  /** When the oldest row not taken was committed, if it is here. */
  oldestUntakenAdded(): number | undefined {
    for (const row of this.rows.values()) if (!row.taken) return row.added
    return undefined
  }
}
