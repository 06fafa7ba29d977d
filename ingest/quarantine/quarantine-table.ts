/**
 * The quarantine's SQLite table and its statements. Each row records its own size (`bytes`: the
 * text it stores) so the whole table can be bounded in bytes, and the size of the payload as it
 * arrived (`size`), of which only a prefix is kept.
 */
import type Database from 'better-sqlite3'

export interface Row {
  id: number
  time: string
  code: string
  reason: string
  schema: string
  sensor: string | null
  borough: string | null
  topic: string | null
  raw: string
  errors: string | null
  size: number | null
  bytes: number
}

const CREATE = `CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL,
  schema TEXT NOT NULL, sensor TEXT, borough TEXT, topic TEXT, raw TEXT NOT NULL, errors TEXT,
  size INTEGER, bytes INTEGER NOT NULL DEFAULT 0)`

/** Creates the table, or adds the size columns to one made by an earlier version. */
export function prepareTable(db: Database.Database): void {
  db.pragma('journal_mode = WAL')
  db.exec(CREATE)
  db.exec('CREATE INDEX IF NOT EXISTS quarantine_sensor ON quarantine (sensor, id)')
  const columns = new Set((db.prepare('PRAGMA table_info(quarantine)').all() as { name: string }[]).map((c) => c.name))
  if (!columns.has('bytes')) {
    db.exec('ALTER TABLE quarantine ADD COLUMN size INTEGER')
    db.exec('ALTER TABLE quarantine ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0')
    db.exec(
      'UPDATE quarantine SET bytes = length(CAST(raw AS BLOB)) + length(CAST(reason AS BLOB)) + coalesce(length(CAST(errors AS BLOB)), 0)',
    )
  }
}

export const INSERT =
  'INSERT INTO quarantine (time, code, reason, schema, sensor, borough, topic, raw, errors, size, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'

export const TOTALS = 'SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes FROM quarantine'

/** Deletes the oldest `n` rows; returns how many went and how many bytes they held. */
export const DELETE_OLDEST =
  'DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine ORDER BY id LIMIT ?) RETURNING bytes'

export const DELETE_OLDER_THAN = 'DELETE FROM quarantine WHERE time < ? RETURNING bytes'

/** `text` cut to at most `max` UTF-8 bytes (never inside a character). */
export function utf8Prefix(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text
  const cut = Buffer.from(text, 'utf8').subarray(0, max).toString('utf8')
  // A character cut in two decodes to U+FFFD at the end: drop it.
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut
}
