/**
 * Per-sensor counters (accepted, rejected, duplicates, sequence gaps, last seq, last seen) in
 * SQLite at <dataDir>/ingest-stats.sqlite. The ingest counts in memory and writes the changed
 * sensors once a second (counters are statistics, not data: a crash loses at most a second of
 * them). The register API opens the file read-only for last-seen and completeness.
 *
 * A reading whose seq is at or below the last seq seen counts as a duplicate (redelivery after a
 * reconnect, or a replay); a jump forward counts the skipped numbers as gaps. The exact record of
 * which seqs are stored is the seq ranges (seq-ranges.ts) in the same file.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { privateDir, privateFile } from '../../core/index.js'
import { SeqRanges } from './seq-ranges.js'

export interface SensorCounters {
  accepted: number
  rejected: number
  duplicates: number
  gaps: number
  lastSeq: number | null
  lastSeen: string | null
}

export interface SensorStatsView {
  get(sensor: string): SensorCounters | undefined
  list(): (SensorCounters & { sensor: string })[]
  close(): void
}

export interface SensorStats extends SensorStatsView {
  /** Counts an accepted reading; says whether it was a duplicate. */
  recordReading(sensor: string, seq: number): { duplicate: boolean; gap: number }
  recordRejected(sensor: string, n?: number): void
  /** Marks a sensor seen (status messages carry no seq). */
  recordSeen(sensor: string): void
  /** The seq ranges stored and accounted for, per sensor (gap repair reads and closes them). */
  readonly seqs: SeqRanges
  flush(): void
}

interface Row {
  sensor: string
  accepted: number
  rejected: number
  duplicates: number
  gaps: number
  last_seq: number | null
  last_seen: string | null
}

const toCounters = (r: Row): SensorCounters => ({
  accepted: r.accepted,
  rejected: r.rejected,
  duplicates: r.duplicates,
  gaps: r.gaps,
  lastSeq: r.last_seq,
  lastSeen: r.last_seen,
})

const CREATE = `CREATE TABLE IF NOT EXISTS sensor_stats (
  sensor TEXT PRIMARY KEY, accepted INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0, gaps INTEGER NOT NULL DEFAULT 0, last_seq INTEGER, last_seen TEXT)`

const UPSERT = `INSERT INTO sensor_stats (sensor, accepted, rejected, duplicates, gaps, last_seq, last_seen)
  VALUES (@sensor, @accepted, @rejected, @duplicates, @gaps, @lastSeq, @lastSeen)
  ON CONFLICT (sensor) DO UPDATE SET accepted = excluded.accepted, rejected = excluded.rejected,
    duplicates = excluded.duplicates, gaps = excluded.gaps, last_seq = excluded.last_seq, last_seen = excluded.last_seen`

/** Read-write for the ingest; `{ readonly: true }` for readers such as the register API. */
export function openSensorStats(dataDir: string, options?: { readonly?: false }): SensorStats
export function openSensorStats(dataDir: string, options: { readonly: true }): SensorStatsView
export function openSensorStats(dataDir: string, options: { readonly?: boolean } = {}): SensorStats | SensorStatsView {
  const file = join(dataDir, 'ingest-stats.sqlite')
  if (options.readonly) return new StatsView(new Database(file, { readonly: true }))
  const db = new Database(privateFile(join(privateDir(dataDir), 'ingest-stats.sqlite')), { readonly: false })
  db.pragma('journal_mode = WAL')
  db.exec(CREATE)
  return new StatsRecorder(db)
}

/** The counters as stored, overlaid with the ones counted in memory and not flushed yet. */
class StatsView implements SensorStatsView {
  protected readonly live = new Map<string, SensorCounters>()
  protected readonly selectOne: Database.Statement
  private readonly selectAll: Database.Statement

  constructor(protected readonly db: Database.Database) {
    this.selectOne = db.prepare('SELECT * FROM sensor_stats WHERE sensor = ?')
    this.selectAll = db.prepare('SELECT * FROM sensor_stats ORDER BY sensor')
  }

  get(sensor: string): SensorCounters | undefined {
    const c = this.live.get(sensor)
    if (c) return { ...c }
    const row = this.selectOne.get(sensor) as Row | undefined
    return row ? toCounters(row) : undefined
  }

  list(): (SensorCounters & { sensor: string })[] {
    const rows = new Map((this.selectAll.all() as Row[]).map((r) => [r.sensor, toCounters(r)]))
    for (const [sensor, c] of this.live) rows.set(sensor, { ...c })
    return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([sensor, c]) => ({ sensor, ...c }))
  }

  close(): void {
    this.db.close()
  }
}

/** The ingest's side: counts in memory, writes the sensors that changed on flush(). */
class StatsRecorder extends StatsView implements SensorStats {
  private readonly dirty = new Set<string>()
  private readonly clock = new SecondClock()
  private readonly flushAll: (sensors: string[]) => void
  readonly seqs: SeqRanges

  constructor(db: Database.Database) {
    super(db)
    this.seqs = new SeqRanges(db)
    const upsert = db.prepare(UPSERT)
    this.flushAll = db.transaction((sensors: string[]) => {
      for (const sensor of sensors) upsert.run({ sensor, ...this.live.get(sensor) })
    })
  }

  recordReading(sensor: string, seq: number): { duplicate: boolean; gap: number } {
    const c = this.counters(sensor)
    c.lastSeen = this.clock.now()
    if (c.lastSeq !== null && seq <= c.lastSeq) {
      c.duplicates++
      return { duplicate: true, gap: 0 }
    }
    const gap = c.lastSeq === null ? 0 : seq - c.lastSeq - 1
    c.accepted++
    c.gaps += gap
    c.lastSeq = seq
    return { duplicate: false, gap }
  }

  recordRejected(sensor: string, n = 1): void {
    this.counters(sensor).rejected += n
  }

  recordSeen(sensor: string): void {
    this.counters(sensor).lastSeen = this.clock.now()
  }

  /** Writes the changed counters and seq ranges in one transaction (one fsync). */
  flush(): void {
    const sensors = [...this.dirty]
    this.dirty.clear()
    this.db.transaction(() => {
      this.seqs.flush()
      if (sensors.length > 0) this.flushAll(sensors)
    })()
  }

  override close(): void {
    this.flush()
    super.close()
  }

  /** The sensor's live counters (loaded from the file the first time), marked for the next flush. */
  private counters(sensor: string): SensorCounters {
    let c = this.live.get(sensor)
    if (!c) {
      const row = this.selectOne.get(sensor) as Row | undefined
      c = row ? toCounters(row) : { accepted: 0, rejected: 0, duplicates: 0, gaps: 0, lastSeq: null, lastSeen: null }
      this.live.set(sensor, c)
    }
    this.dirty.add(sensor)
    return c
  }
}

/** "Last seen" to the second is plenty; formatting a date per reading is not free. */
class SecondClock {
  private iso = ''
  private second = 0

  now(): string {
    const s = Math.floor(Date.now() / 1000)
    if (s !== this.second) {
      this.second = s
      this.iso = new Date(s * 1000).toISOString()
    }
    return this.iso
  }
}
