/**
 * The spool's file: one SQLite table (WAL, synchronous=FULL, so a commit is fsynced) of rows of
 * line protocol. Appends and deletes of one commit interval share one transaction.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { privateDir, privateFile } from '../../core/index.js'
import type { SpoolEntry, StoredRow } from './spool-types.js'

export interface SpoolFile {
  /** Deletes `doomed`, appends `entries`, commits (one fsync); returns the new rows' ids. */
  commit(entries: readonly SpoolEntry[], doomed: readonly number[]): number[]
  /** Rows with an id above `id`, in id order. */
  readAfter(id: number, limit: number): StoredRow[]
  totals(): { points: number; rows: number }
  close(): void
}

export function openSpoolFile(dataDir: string): SpoolFile {
  const db = new Database(privateFile(join(privateDir(dataDir), 'ingest-spool.sqlite')))
  // Before the first table exists (ignored for an existing file): a batch of 30 readings is ~5 KB,
  // which on 4 KB pages spills into overflow pages; 16 KB pages hold it in one.
  db.pragma('page_size = 16384')
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec(`CREATE TABLE IF NOT EXISTS spool (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lines TEXT NOT NULL,
    count INTEGER NOT NULL,
    source TEXT NOT NULL,
    added INTEGER NOT NULL
  )`)
  const insert = db.prepare('INSERT INTO spool (lines, count, source, added) VALUES (?, ?, ?, ?)')
  const removeRange = db.prepare('DELETE FROM spool WHERE id BETWEEN ? AND ?')
  const select = db.prepare('SELECT id, lines, count, source, added FROM spool WHERE id > ? ORDER BY id LIMIT ?')
  const commitAll = db.transaction((entries: readonly SpoolEntry[], doomed: readonly number[]) => {
    if (doomed.length > 0) deleteAsRanges(doomed, (first, last) => removeRange.run(first, last))
    const now = Date.now()
    return entries.map((e) => Number(insert.run(e.lines, e.count, e.source, now).lastInsertRowid))
  })

  return {
    commit: (entries, doomed) => commitAll(entries, doomed),
    readAfter: (id, limit) => select.all(id, limit) as StoredRow[],
    totals() {
      const t = db.prepare('SELECT COALESCE(SUM(count), 0) AS n, COUNT(*) AS rows FROM spool').get() as {
        n: number
        rows: number
      }
      return { points: Number(t.n), rows: Number(t.rows) }
    },
    close: () => db.close(),
  }
}

/** Acked rows are mostly contiguous: deleted as ranges of ids. */
function deleteAsRanges(ids: readonly number[], deleteRange: (first: number, last: number) => void): void {
  const sorted = [...ids].sort((a, b) => a - b)
  let start = sorted[0]
  let prev = start
  for (const id of sorted.slice(1)) {
    if (id === (prev as number) + 1) {
      prev = id
      continue
    }
    deleteRange(start as number, prev as number)
    start = id
    prev = id
  }
  if (start !== undefined) deleteRange(start, prev as number)
}
