/**
 * Rejected messages, kept for the operator: why (reason, stable code, schema $id), whose
 * (sensor, borough, topic), when, and the raw payload. Bounded by rows and age so a broken
 * device cannot fill the disk; the oldest rows go first.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { FieldError } from '../../schemas/index.js'

export interface QuarantineInput {
  code: string
  reason: string
  schema: string
  sensor?: string
  borough?: string
  topic?: string
  /** What arrived, as text (binary payloads as base64 with a `base64:` prefix). */
  raw: string
  errors?: FieldError[]
}

export interface QuarantineRecord extends QuarantineInput {
  id: number
  time: string
}

export interface QuarantineFilter {
  sensor?: string
  boroughs?: readonly string[]
  limit?: number
}

export interface Quarantine {
  add(record: QuarantineInput): void
  list(filter?: QuarantineFilter): QuarantineRecord[]
  count(): number
  /** Deletes rows beyond the bounds; returns how many went. */
  prune(now?: number): number
  close(): void
}

const MAX_RAW_CHARS = 256 * 1024

interface Row {
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
}

export function openQuarantine(
  dataDir: string,
  options: { maxRows: number; maxAgeDays: number; readonly?: boolean },
): Quarantine {
  mkdirSync(dataDir, { recursive: true })
  const db = new Database(join(dataDir, 'ingest-quarantine.sqlite'), { readonly: options.readonly ?? false })
  if (!options.readonly) {
    db.pragma('journal_mode = WAL')
    db.exec(`CREATE TABLE IF NOT EXISTS quarantine (
      id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL,
      schema TEXT NOT NULL, sensor TEXT, borough TEXT, topic TEXT, raw TEXT NOT NULL, errors TEXT)`)
    db.exec('CREATE INDEX IF NOT EXISTS quarantine_sensor ON quarantine (sensor, id)')
  }
  const insert = options.readonly
    ? undefined
    : db.prepare(
        'INSERT INTO quarantine (time, code, reason, schema, sensor, borough, topic, raw, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
  let rows = Number((db.prepare('SELECT COUNT(*) AS n FROM quarantine').get() as { n: number }).n)
  let addedSincePrune = 0

  function prune(now = Date.now()): number {
    if (options.readonly) return 0
    const cutoff = new Date(now - options.maxAgeDays * 86_400_000).toISOString()
    let removed = db.prepare('DELETE FROM quarantine WHERE time < ?').run(cutoff).changes
    const excess = rows - removed - options.maxRows
    if (excess > 0) {
      removed += db
        .prepare('DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine ORDER BY id LIMIT ?)')
        .run(excess).changes
    }
    rows -= removed
    addedSincePrune = 0
    return removed
  }

  return {
    add(r) {
      if (!insert) throw new Error('quarantine opened read-only')
      insert.run(
        new Date().toISOString(),
        r.code,
        r.reason.slice(0, 4000),
        r.schema,
        r.sensor ?? null,
        r.borough ?? null,
        r.topic ?? null,
        r.raw.slice(0, MAX_RAW_CHARS),
        r.errors ? JSON.stringify(r.errors.slice(0, 50)) : null,
      )
      rows++
      // Pruning is a DELETE scan: do it in steps, never per row.
      if (rows > options.maxRows || ++addedSincePrune >= 1000) prune()
    },
    list(filter = {}) {
      const where: string[] = []
      const params: unknown[] = []
      if (filter.sensor) {
        where.push('sensor = ?')
        params.push(filter.sensor)
      }
      if (filter.boroughs && filter.boroughs.length > 0) {
        where.push(`borough IN (${filter.boroughs.map(() => '?').join(',')})`)
        params.push(...filter.boroughs)
      }
      const sql = `SELECT * FROM quarantine ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`
      params.push(Math.min(filter.limit ?? 100, 10_000))
      return (db.prepare(sql).all(...params) as Row[]).map((row) => ({
        id: row.id,
        time: row.time,
        code: row.code,
        reason: row.reason,
        schema: row.schema,
        ...(row.sensor ? { sensor: row.sensor } : {}),
        ...(row.borough ? { borough: row.borough } : {}),
        ...(row.topic ? { topic: row.topic } : {}),
        raw: row.raw,
        ...(row.errors ? { errors: JSON.parse(row.errors) } : {}),
      }))
    },
    count: () =>
      options.readonly ? Number((db.prepare('SELECT COUNT(*) AS n FROM quarantine').get() as { n: number }).n) : rows,
    prune,
    close: () => db.close(),
  }
}
