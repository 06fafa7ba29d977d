/**
 * Per-sensor counters (accepted, rejected, duplicates, sequence gaps, last seq, last seen) in
 * SQLite at <dataDir>/ingest-stats.sqlite. The ingest counts in memory and writes the changed
 * sensors once a second (counters are statistics, not data: a crash loses at most a second of
 * them). The register API opens the file read-only for last-seen and completeness.
 *
 * A reading whose seq is at or below the last seq seen counts as a duplicate (redelivery after a
 * reconnect, or a replay); a jump forward counts the skipped numbers as gaps.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'

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

/** Read-write for the ingest; `{ readonly: true }` for readers such as the register API. */
export function openSensorStats(dataDir: string, options?: { readonly?: false }): SensorStats
export function openSensorStats(dataDir: string, options: { readonly: true }): SensorStatsView
export function openSensorStats(dataDir: string, options: { readonly?: boolean } = {}): SensorStats | SensorStatsView {
  if (!options.readonly) mkdirSync(dataDir, { recursive: true })
  const db = new Database(join(dataDir, 'ingest-stats.sqlite'), { readonly: options.readonly ?? false })
  if (!options.readonly) {
    db.pragma('journal_mode = WAL')
    db.exec(CREATE)
  }
  const selectOne = db.prepare('SELECT * FROM sensor_stats WHERE sensor = ?')
  const selectAll = db.prepare('SELECT * FROM sensor_stats ORDER BY sensor')
  const live = new Map<string, SensorCounters>()
  // "Last seen" to the second is plenty; formatting a date per reading is not free.
  let nowIso = ''
  let nowSecond = 0
  const seenNow = (): string => {
    const s = Math.floor(Date.now() / 1000)
    if (s !== nowSecond) {
      nowSecond = s
      nowIso = new Date(s * 1000).toISOString()
    }
    return nowIso
  }
  const dirty = new Set<string>()

  function counters(sensor: string): SensorCounters {
    let c = live.get(sensor)
    if (!c) {
      const row = selectOne.get(sensor) as Row | undefined
      c = row ? toCounters(row) : { accepted: 0, rejected: 0, duplicates: 0, gaps: 0, lastSeq: null, lastSeen: null }
      live.set(sensor, c)
    }
    dirty.add(sensor)
    return c
  }

  const upsert = options.readonly
    ? undefined
    : db.prepare(`INSERT INTO sensor_stats (sensor, accepted, rejected, duplicates, gaps, last_seq, last_seen)
        VALUES (@sensor, @accepted, @rejected, @duplicates, @gaps, @lastSeq, @lastSeen)
        ON CONFLICT (sensor) DO UPDATE SET accepted = excluded.accepted, rejected = excluded.rejected,
          duplicates = excluded.duplicates, gaps = excluded.gaps, last_seq = excluded.last_seq, last_seen = excluded.last_seen`)
  const flushAll = db.transaction((sensors: string[]) => {
    for (const sensor of sensors) upsert?.run({ sensor, ...live.get(sensor) })
  })

  const view: SensorStatsView = {
    get(sensor) {
      const c = live.get(sensor)
      if (c) return { ...c }
      const row = selectOne.get(sensor) as Row | undefined
      return row ? toCounters(row) : undefined
    },
    list() {
      const rows = new Map((selectAll.all() as Row[]).map((r) => [r.sensor, toCounters(r)]))
      for (const [sensor, c] of live) rows.set(sensor, { ...c })
      return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([sensor, c]) => ({ sensor, ...c }))
    },
    close() {
      if (!options.readonly) flush()
      db.close()
    },
  }
  if (options.readonly) return view

  function flush(): void {
    if (dirty.size === 0) return
    const sensors = [...dirty]
    dirty.clear()
    flushAll(sensors)
  }

  return {
    ...view,
    recordReading(sensor, seq) {
      const c = counters(sensor)
      c.lastSeen = seenNow()
      if (c.lastSeq !== null && seq <= c.lastSeq) {
        c.duplicates++
        return { duplicate: true, gap: 0 }
      }
      const gap = c.lastSeq === null ? 0 : seq - c.lastSeq - 1
      c.accepted++
      c.gaps += gap
      c.lastSeq = seq
      return { duplicate: false, gap }
    },
    recordRejected(sensor, n = 1) {
      counters(sensor).rejected += n
    },
    recordSeen(sensor) {
      counters(sensor).lastSeen = seenNow()
    },
    flush,
  }
}
