/**
 * Per sensor, the sequence numbers this ingest has made durable (`stored`) and those it has
 * accounted for without storing them (`closed`: quarantined, or a gap given up as unrecoverable,
 * each logged with its reason in `seq_closed`), as merged ranges (seq-set.ts). They live in
 * <dataDir>/ingest-stats.sqlite beside the counters: in memory while the ingest runs, written
 * for the sensors that changed once a second. A crash loses at most that second of ranges; the
 * readings are safe in the spool, and gap repair only asks the device for them again.
 *
 * Memory is bounded: at most MAX_RANGES ranges per sensor in each set. Beyond that (a device
 * whose numbering is that broken) the oldest are forgotten: the sensor's `floor` rises, and what
 * was missing below it is logged as closed with reason `too_many_ranges`.
 */
import type Database from 'better-sqlite3'
import { type Range, SeqSet } from './seq-set.js'

export const MAX_RANGES = 1000
/** Devices number their readings from 1 (the edge outbox does); a seq 0 is kept, never asked for. */
export const FIRST_SEQ = 1
/** Closed ranges logged, newest kept. */
const MAX_CLOSED_LOG = 100_000

export type CloseReason =
  | 'evicted_at_edge'
  | 'device_retired'
  | 'attempts_exhausted'
  | 'quarantined'
  | 'too_many_ranges'

export interface SensorSeqs {
  stored: SeqSet
  closed: SeqSet
  /** Nothing below it is tracked (0, unless ranges were forgotten or kept only since an upgrade). */
  floor: number
}

export interface ClosedRange {
  sensor: string
  first: number
  last: number
  /** Seqs of first..last that were neither stored nor closed before. */
  missing: number
  reason: CloseReason
  at: string
}

export const SEQ_TABLES = `
  CREATE TABLE IF NOT EXISTS seq_ranges (
    sensor TEXT PRIMARY KEY, stored TEXT NOT NULL, closed TEXT NOT NULL, floor INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS seq_closed (
    id INTEGER PRIMARY KEY, sensor TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
    missing INTEGER NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS seq_closed_sensor ON seq_closed(sensor, id);`

interface RangesRow {
  sensor: string
  stored: string
  closed: string
  floor: number
}

const fromRow = (row: RangesRow): SensorSeqs => ({
  stored: new SeqSet(JSON.parse(row.stored) as number[]),
  closed: new SeqSet(JSON.parse(row.closed) as number[]),
  floor: row.floor,
})

/** The ingest's side: every sensor's ranges in memory, written on flush(). */
export class SeqRanges {
  private readonly sensors = new Map<string, SensorSeqs>()
  private readonly dirty = new Set<string>()
  private readonly upsert: Database.Statement
  private readonly logClosed: Database.Statement
  private readonly pruneLog: Database.Statement

  constructor(private readonly db: Database.Database) {
    const upgrade = !db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'seq_ranges'").get()
    db.exec(SEQ_TABLES)
    // First start with ranges on a platform that ran without them: what the sensors sent before
    // is not tracked (its floor is above it), so it is neither asked for again nor called lost.
    if (upgrade) {
      db.exec(`INSERT OR IGNORE INTO seq_ranges (sensor, stored, closed, floor)
        SELECT sensor, '[]', '[]', coalesce(last_seq, 0) + 1 FROM sensor_stats`)
    }
    for (const row of db.prepare('SELECT * FROM seq_ranges').all() as RangesRow[]) {
      this.sensors.set(row.sensor, fromRow(row))
    }
    this.upsert = db.prepare(
      `INSERT INTO seq_ranges (sensor, stored, closed, floor) VALUES (?, ?, ?, ?)
       ON CONFLICT (sensor) DO UPDATE SET stored = excluded.stored, closed = excluded.closed, floor = excluded.floor`,
    )
    this.logClosed = db.prepare(
      'INSERT INTO seq_closed (sensor, first, last, missing, reason, at) VALUES (@sensor, @first, @last, @missing, @reason, @at)',
    )
    this.pruneLog = db.prepare('DELETE FROM seq_closed WHERE id <= ?')
  }

  get(sensor: string): SensorSeqs | undefined {
    return this.sensors.get(sensor)
  }

  entries(): IterableIterator<[string, SensorSeqs]> {
    return this.sensors.entries()
  }

  /** Seqs made durable (a status makes the sensor known with none). */
  record(sensor: string, seqs: readonly number[]): void {
    const s = this.sensorSeqs(sensor)
    for (const seq of seqs) if (seq >= s.floor) s.stored.add(seq)
    if (s.stored.size > MAX_RANGES) this.forgetOldest(sensor, s, s.stored)
  }

  /** Accounts for first..last without storing it, and logs why; returns how many were missing. */
  close(sensor: string, first: number, last: number, reason: CloseReason): ClosedRange {
    const s = this.sensorSeqs(sensor)
    const lo = Math.max(first, s.floor)
    const missing = lo > last ? 0 : countMissing(s, lo, last)
    const closed: ClosedRange = { sensor, first, last, missing, reason, at: new Date().toISOString() }
    if (lo <= last) s.closed.add(lo, last)
    const id = Number(this.logClosed.run(closed).lastInsertRowid)
    if (id > MAX_CLOSED_LOG) this.pruneLog.run(id - MAX_CLOSED_LOG)
    if (s.closed.size > MAX_RANGES) this.forgetOldest(sensor, s, s.closed)
    return closed
  }

  /** The closed ranges logged for a sensor, newest first. */
  closedLog(sensor: string, limit = 100): ClosedRange[] {
    return this.db
      .prepare(
        'SELECT sensor, first, last, missing, reason, at FROM seq_closed WHERE sensor = ? ORDER BY id DESC LIMIT ?',
      )
      .all(sensor, limit) as ClosedRange[]
  }

  flush(): void {
    if (this.dirty.size === 0) return
    const sensors = [...this.dirty]
    this.dirty.clear()
    this.db.transaction(() => {
      for (const sensor of sensors) {
        const s = this.sensors.get(sensor)!
        this.upsert.run(sensor, JSON.stringify(s.stored), JSON.stringify(s.closed), s.floor)
      }
    })()
  }

  private sensorSeqs(sensor: string): SensorSeqs {
    let s = this.sensors.get(sensor)
    if (!s) {
      s = { stored: new SeqSet(), closed: new SeqSet(), floor: 0 }
      this.sensors.set(sensor, s)
    }
    this.dirty.add(sensor)
    return s
  }

  /** Raises the floor so `set` keeps its newest MAX_RANGES ranges, logging what was missing below. */
  private forgetOldest(sensor: string, s: SensorSeqs, set: SeqSet): void {
    const floor = set.ranges()[set.size - MAX_RANGES]![0]
    const first = Math.max(FIRST_SEQ, s.floor)
    const missing = countMissing(s, first, floor - 1)
    if (missing > 0) {
      const at = new Date().toISOString()
      this.logClosed.run({ sensor, first, last: floor - 1, missing, reason: 'too_many_ranges', at })
    }
    s.floor = floor
    s.stored.dropBelow(floor)
    s.closed.dropBelow(floor)
  }
}

/** The ranges of first..last neither stored nor closed, at most `limit`, lowest first. */
export function missingRanges(s: SensorSeqs, first: number, last: number, limit = Number.POSITIVE_INFINITY): Range[] {
  const out: Range[] = []
  for (const [a, b] of s.stored.holes(first, last)) {
    if (out.length >= limit) break
    out.push(...s.closed.holes(a, b, limit - out.length))
  }
  return out
}

/** How many seqs of first..last are neither stored nor closed. */
export function countMissing(s: SensorSeqs, first: number, last: number): number {
  return missingRanges(s, first, last).reduce((n, [a, b]) => n + b - a + 1, 0)
}

/** Closes the seqs of a quarantined message, one closed range per run of consecutive seqs. */
export function closeQuarantined(seqs: SeqRanges, sensor: string, list: readonly number[]): void {
  const runs = SeqSet.fromRanges(list.map((n): Range => [n, n]))
  for (const [first, last] of runs.ranges()) seqs.close(sensor, first, last, 'quarantined')
}
