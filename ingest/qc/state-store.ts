/**
 * The series rules' state between runs: <dataDir>/ingest-qc.sqlite, one row per InfluxDB series
 * (JSON of series-state.ts). The ingest writes the series that changed every few seconds and on
 * stop; after a crash the rules continue from the last write, so at most those seconds of a
 * series' past are missing (a spike or a run may then go unflagged once). A state not written
 * for `maxAgeDays` is deleted: its windows are long out of date anyway.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { privateDir, privateFile } from '../../core/index.js'
import type { QcStateStore } from './history.js'

export interface QcStateFile extends QcStateStore {
  prune(maxAgeDays: number): number
  close(): void
}

export function openQcStateFile(dataDir: string): QcStateFile {
  const db = new Database(privateFile(join(privateDir(dataDir), 'ingest-qc.sqlite')))
  db.pragma('journal_mode = WAL')
  db.exec(
    'CREATE TABLE IF NOT EXISTS qc_series (key TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at INTEGER NOT NULL)',
  )
  const select = db.prepare<[string], { state: string }>('SELECT state FROM qc_series WHERE key = ?')
  const upsert = db.prepare(
    'INSERT INTO qc_series (key, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
  )
  const saveAll = db.transaction((states: [string, string][]) => {
    const now = Date.now()
    for (const [key, json] of states) upsert.run(key, json, now)
  })
  const prune = db.prepare('DELETE FROM qc_series WHERE updated_at < ?')
  return {
    load: (key) => select.get(key)?.state,
    save: (states) => {
      if (states.length > 0) saveAll(states)
    },
    prune: (maxAgeDays) => prune.run(Date.now() - maxAgeDays * 86_400_000).changes,
    close: () => db.close(),
  }
}
