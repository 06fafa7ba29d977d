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
  /**
   * Deletes a sensor's messages (by its sensor column or topic) whose reading time (the payload's
   * `time`, else when it was quarantined) is in [from, to); returns how many went. For erasure.
   */
  erase(sensor: string, range: { from?: number; to: number }): number
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

export interface QuarantineOptions {
  maxRows: number
  maxAgeDays: number
  readonly?: boolean
}

export function openQuarantine(dataDir: string, options: QuarantineOptions): Quarantine {
  mkdirSync(dataDir, { recursive: true })
  const db = new Database(join(dataDir, 'ingest-quarantine.sqlite'), { readonly: options.readonly ?? false })
  if (!options.readonly) {
    db.pragma('journal_mode = WAL')
    db.exec(CREATE)
    db.exec('CREATE INDEX IF NOT EXISTS quarantine_sensor ON quarantine (sensor, id)')
  }
  return new SqliteQuarantine(db, options)
}

const CREATE = `CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL,
  schema TEXT NOT NULL, sensor TEXT, borough TEXT, topic TEXT, raw TEXT NOT NULL, errors TEXT)`

const INSERT =
  'INSERT INTO quarantine (time, code, reason, schema, sensor, borough, topic, raw, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'

const COUNT = 'SELECT COUNT(*) AS n FROM quarantine'

/** A payload's own time when it has one (JSON text with a string `time`), else when it was quarantined. */
const READING_TIME =
  "coalesce(CASE WHEN json_valid(raw) THEN CASE json_type(raw, '$.time') WHEN 'text' THEN json_extract(raw, '$.time') END END, time)"
const ERASE = `DELETE FROM quarantine WHERE (sensor = :sensor OR topic LIKE :topic ESCAPE '\\')
  AND ${READING_TIME} >= :from AND ${READING_TIME} < :to`

class SqliteQuarantine implements Quarantine {
  private readonly insert: Database.Statement | undefined
  /** Rows in the table, counted here so count() and the bound need no query. */
  private rows: number
  private addedSincePrune = 0

  constructor(
    private readonly db: Database.Database,
    private readonly options: QuarantineOptions,
  ) {
    this.insert = options.readonly ? undefined : db.prepare(INSERT)
    this.rows = this.countRows()
  }

  add(r: QuarantineInput): void {
    if (!this.insert) throw new Error('quarantine opened read-only')
    this.insert.run(
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
    this.rows++
    // Pruning is a DELETE scan: do it in steps, never per row.
    if (this.rows > this.options.maxRows || ++this.addedSincePrune >= 1000) this.prune()
  }

  list(filter: QuarantineFilter = {}): QuarantineRecord[] {
    const { where, params } = whereOf(filter)
    const sql = `SELECT * FROM quarantine ${where} ORDER BY id DESC LIMIT ?`
    params.push(Math.min(filter.limit ?? 100, 10_000))
    return (this.db.prepare(sql).all(...params) as Row[]).map(toRecord)
  }

  count(): number {
    return this.options.readonly ? this.countRows() : this.rows
  }

  prune(now = Date.now()): number {
    if (this.options.readonly) return 0
    const cutoff = new Date(now - this.options.maxAgeDays * 86_400_000).toISOString()
    let removed = this.db.prepare('DELETE FROM quarantine WHERE time < ?').run(cutoff).changes
    const excess = this.rows - removed - this.options.maxRows
    if (excess > 0) {
      removed += this.db
        .prepare('DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine ORDER BY id LIMIT ?)')
        .run(excess).changes
    }
    this.rows -= removed
    this.addedSincePrune = 0
    return removed
  }

  erase(sensor: string, { from, to }: { from?: number; to: number }): number {
    if (this.options.readonly) throw new Error('quarantine opened read-only')
    const iso = (ms: number) => new Date(ms).toISOString()
    const removed = this.db.prepare(ERASE).run({
      sensor,
      topic: `streetsense/v1/%/${sensor.replace(/[%_\\]/g, (c) => `\\${c}`)}/%`,
      from: from === undefined ? '' : iso(from),
      to: iso(to),
    }).changes
    this.rows -= removed
    return removed
  }

  close(): void {
    this.db.close()
  }

  private countRows(): number {
    return Number((this.db.prepare(COUNT).get() as { n: number }).n)
  }
}

function whereOf(filter: QuarantineFilter): { where: string; params: unknown[] } {
  const clauses: string[] = []
  const params: unknown[] = []
  if (filter.sensor) {
    clauses.push('sensor = ?')
    params.push(filter.sensor)
  }
  if (filter.boroughs && filter.boroughs.length > 0) {
    clauses.push(`borough IN (${filter.boroughs.map(() => '?').join(',')})`)
    params.push(...filter.boroughs)
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params }
}

function toRecord(row: Row): QuarantineRecord {
  return {
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
  }
}
