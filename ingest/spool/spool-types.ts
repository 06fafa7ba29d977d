/** The spool's shapes, shared by the spool, its file and its row cache (so none imports another's module for them). */

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

/** A row as stored, with the time (ms) its commit happened. */
export type StoredRow = SpoolRow & { added: number }

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
  /**
   * Removes the lines `erased` matches from every row not taken (on disk and in memory); a row
   * left empty goes as if acked. Returns the points removed. Taken rows are the writer's (it
   * filters them when it writes).
   */
  purge(erased: (line: string) => boolean): number
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
