/**
 * The durable local spool between the MQTT/HTTP intake and InfluxDB. A message's line protocol
 * is committed here (SQLite, WAL, synchronous=FULL: fsynced) before its PUBACK or HTTP 202, and
 * deleted only when InfluxDB accepted it. Appends arriving together share one transaction and
 * one fsync (group commit): an fsync costs ~0.5 ms on our disk, a row a few microseconds.
 */
import { RowCache } from './row-cache.js'
import { openSpoolFile, type StoredRow } from './spool-file.js'

export interface SpoolEntry {
  /** Points, one per line, no trailing newline: text, or its UTF-8 bytes (stored as a BLOB). */
  lines: string | Buffer
  /** How many points `lines` holds. */
  count: number
  /** Where it came from (topic or 'http'), for quarantine records. */
  source: string
}

export interface SpoolRow extends SpoolEntry {
  id: number
}

export interface Spool {
  /** Resolves when the entry is on disk (shares the fsync with every append of the same tick). */
  append(entry: SpoolEntry): Promise<void>
  /** Rows not taken yet, oldest first, up to about `maxLines` points (at least one row). */
  take(maxLines: number): SpoolRow[]
  /** Deletes rows InfluxDB accepted (or that went to quarantine). */
  ack(ids: readonly number[]): void
  /** Makes taken rows available to take() again (a writer gave up on them). */
  release(ids: readonly number[]): void
  /** Points stored, acknowledged to their senders, not yet in InfluxDB. */
  depth(): number
  /** Points taken by a writer and not yet acked. */
  inFlight(): number
  isFull(): boolean
  /** Age in ms of the oldest row not taken, or 0. */
  oldestAgeMs(): number
  close(): void
}

export interface SpoolOptions {
  maxLines: number
  /**
   * Shortest time between two commits. An fsync blocks the event loop (better-sqlite3 is
   * synchronous), so appends arriving within this window share one: a little latency for
   * fewer fsyncs under load. 0 = commit on the next turn of the event loop.
   */
  commitIntervalMs?: number
  /** Bytes of committed rows kept in memory for the writer (default 64 MiB); beyond, read from disk. */
  memoryBytes?: number
}

export function openSpool(dataDir: string, options: SpoolOptions): Spool {
  const file = openSpoolFile(dataDir)
  const onDisk = file.totals()
  let depth = onDisk.points
  const cache = new RowCache(options.memoryBytes ?? 64 * 2 ** 20, onDisk.rows)
  // Rows handed to a writer: the ids and their counts, so take() skips them and depth stays true.
  const taken = new Map<number, number>()
  let takenLines = 0
  let lastTakenId = 0
  // Acked rows not deleted yet: they go with the next commit. A crash before it only means they
  // are written to InfluxDB again (same series and time: no duplicate point).
  const doomed = new Set<number>()
  let pending: { entry: SpoolEntry; resolve: () => void; reject: (err: Error) => void }[] = []
  let scheduled = false
  let closed = false
  let lastCommit = 0
  const interval = options.commitIntervalMs ?? 0

  function schedule(): void {
    scheduled = true
    const wait = lastCommit + interval - Date.now()
    // setImmediate lets every message already read from the sockets join this commit.
    if (wait > 0) setTimeout(commit, wait)
    else setImmediate(commit)
  }

  function commit(): void {
    scheduled = false
    lastCommit = Date.now()
    const batch = pending
    pending = []
    if (batch.length === 0 && doomed.size === 0) return
    try {
      const ids = file.commit(
        batch.map((p) => p.entry),
        [...doomed],
      )
      // Synchronous since reading the set: nothing was added to it in between.
      doomed.clear()
      for (const [i, p] of batch.entries()) {
        cache.add({ ...p.entry, id: ids[i]! }, lastCommit)
        depth += p.entry.count
      }
      for (const p of batch) p.resolve()
    } catch (err) {
      // The deletes stay in `doomed` for the next commit.
      for (const p of batch) p.reject(err as Error)
    }
  }

  return {
    append(entry) {
      if (closed) return Promise.reject(new Error('spool closed'))
      return new Promise<void>((resolve, reject) => {
        pending.push({ entry, resolve, reject })
        if (!scheduled) schedule()
      })
    },
    take(maxLines) {
      const rows = cache.complete ? cache.take(maxLines) : takeFromDisk(maxLines)
      for (const row of rows) {
        taken.set(row.id, row.count)
        takenLines += row.count
        if (row.id > lastTakenId) lastTakenId = row.id
      }
      return rows
    },
    ack(ids) {
      if (closed) return
      for (const id of ids) doomed.add(id)
      if (!scheduled) schedule()
      cache.remove(ids)
      for (const id of ids) {
        const count = taken.get(id) ?? 0
        taken.delete(id)
        takenLines -= count
        depth -= count
      }
    },
    release(ids) {
      cache.release(ids)
      for (const id of ids) {
        takenLines -= taken.get(id) ?? 0
        taken.delete(id)
      }
      lastTakenId = 0
    },
    depth: () => depth,
    inFlight: () => takenLines,
    isFull: () => depth >= options.maxLines,
    oldestAgeMs() {
      const added = cache.complete ? cache.oldestUntakenAdded() : file.readAfter(lastTakenId, 1)[0]?.added
      return added === undefined ? 0 : Math.max(0, Date.now() - added)
    },
    close() {
      if (closed) return
      commit()
      closed = true
      file.close()
    },
  }

  /** take() while some rows are only on disk: reads them back in id order. */
  function takeFromDisk(maxLines: number): SpoolRow[] {
    const rows: SpoolRow[] = []
    let lines = 0
    let after = lastTakenId
    // Released rows (ids below lastTakenId) are picked up again by resetting the cursor.
    let full = false
    while (!full) {
      const batch: StoredRow[] = file.readAfter(after, 256)
      for (const row of batch) {
        after = row.id
        if (taken.has(row.id) || doomed.has(row.id)) continue
        if (rows.length > 0 && lines + row.count > maxLines) {
          full = true
          break
        }
        rows.push({ id: row.id, lines: row.lines, count: row.count, source: row.source })
        lines += row.count
        if (lines >= maxLines) {
          full = true
          break
        }
      }
      if (batch.length < 256) break
    }
    cache.markTaken(rows.map((r) => r.id))
    return rows
  }
}
