/**
 * Rejected messages, kept for the operator: why (reason, stable code, schema $id), whose
 * (sensor, borough, topic), when, and the raw payload: its first `rawPrefixBytes` bytes and its
 * size as it arrived. Bounded by rows, by bytes and by age, so a broken or hostile device cannot
 * fill the disk; the oldest rows go first.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { privateDir, privateFile } from '../../core/index.js'
import type { FieldError } from '../../schemas/index.js'
import {
  DELETE_OLDER_THAN,
  DELETE_OLDEST,
  INSERT,
  prepareTable,
  type Row,
  TOTALS,
  utf8Prefix,
} from './quarantine-table.js'

export interface QuarantineInput {
  code: string
  reason: string
  schema: string
  sensor?: string
  borough?: string
  topic?: string
  /** What arrived, as text (binary payloads as base64 with a `base64:` prefix). */
  raw: string
  /** Bytes of the payload as it arrived (default: of `raw`). */
  size?: number
  errors?: FieldError[]
}

export interface QuarantineRecord extends QuarantineInput {
  id: number
  time: string
  /** Bytes of the payload as it arrived; `raw` holds only its first `rawPrefixBytes`. */
  size: number
  /** Bytes of `raw` that were not kept (0 when all of it was). */
  truncated: number
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
  /** Bytes of text the quarantine holds (what its byte bound counts). */
  bytesStored(): number
  /** Deletes rows beyond the bounds; returns how many went. */
  prune(now?: number): number
  close(): void
}

export interface QuarantineOptions {
  maxRows: number
  maxAgeDays: number
  /** Bound of the whole quarantine in bytes of stored text (default 64 MiB). */
  maxBytes?: number
  /** How much of each payload is kept (default 4 KiB); the rest is only counted. */
  rawPrefixBytes?: number
  readonly?: boolean
}

export function openQuarantine(dataDir: string, options: QuarantineOptions): Quarantine {
  const file = join(dataDir, 'ingest-quarantine.sqlite')
  if (!options.readonly) privateFile(join(privateDir(dataDir), 'ingest-quarantine.sqlite'))
  const db = new Database(file, { readonly: options.readonly ?? false })
  if (!options.readonly) prepareTable(db)
  return new SqliteQuarantine(db, options)
}

const DEFAULT_MAX_BYTES = 64 * 2 ** 20
const DEFAULT_RAW_PREFIX_BYTES = 4096

class SqliteQuarantine implements Quarantine {
  private readonly insert: Database.Statement | undefined
  /** Rows and bytes in the table, counted here so count() and the bounds need no query. */
  private rows: number
  private bytes: number
  private addedSincePrune = 0
  private readonly maxBytes: number
  private readonly rawPrefixBytes: number

  constructor(
    private readonly db: Database.Database,
    private readonly options: QuarantineOptions,
  ) {
    this.insert = options.readonly ? undefined : db.prepare(INSERT)
    const totals = this.totals()
    this.rows = totals.n
    this.bytes = totals.bytes
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
    this.rawPrefixBytes = options.rawPrefixBytes ?? DEFAULT_RAW_PREFIX_BYTES
  }

  add(r: QuarantineInput): void {
    if (!this.insert) throw new Error('quarantine opened read-only')
    const reason = utf8Prefix(r.reason, 4000)
    const raw = utf8Prefix(r.raw, this.rawPrefixBytes)
    const errors = r.errors ? JSON.stringify(r.errors.slice(0, 50)) : null
    const bytes = Buffer.byteLength(raw) + Buffer.byteLength(reason) + (errors ? Buffer.byteLength(errors) : 0)
    const size = r.size ?? Buffer.byteLength(r.raw)
    const where = [r.sensor ?? null, r.borough ?? null, r.topic ? utf8Prefix(r.topic, 512) : null]
    this.insert.run(new Date().toISOString(), r.code, reason, r.schema, ...where, raw, errors, size, bytes)
    this.rows++
    this.bytes += bytes
    // Pruning is a DELETE: do it in steps, never per row, unless a bound is passed.
    if (this.rows > this.options.maxRows || this.bytes > this.maxBytes || ++this.addedSincePrune >= 1000) {
      this.prune()
    }
  }

  list(filter: QuarantineFilter = {}): QuarantineRecord[] {
    const { where, params } = whereOf(filter)
    const sql = `SELECT * FROM quarantine ${where} ORDER BY id DESC LIMIT ?`
    params.push(Math.min(filter.limit ?? 100, 10_000))
    return (this.db.prepare(sql).all(...params) as Row[]).map(toRecord)
  }

  count(): number {
    return this.options.readonly ? this.totals().n : this.rows
  }

  bytesStored(): number {
    return this.options.readonly ? this.totals().bytes : this.bytes
  }

  /** Drops rows past the age, then the oldest until both the row and the byte bounds hold. */
  prune(now = Date.now()): number {
    if (this.options.readonly) return 0
    const cutoff = new Date(now - this.options.maxAgeDays * 86_400_000).toISOString()
    let removed = this.forget(this.db.prepare(DELETE_OLDER_THAN).all(cutoff) as { bytes: number }[])
    const oldest = this.db.prepare(DELETE_OLDEST)
    const excess = this.rows - this.options.maxRows
    if (excess > 0) removed += this.forget(oldest.all(excess) as { bytes: number }[])
    while (this.bytes > this.maxBytes && this.rows > 0) removed += this.forget(oldest.all(64) as { bytes: number }[])
    this.addedSincePrune = 0
    return removed
  }

  close(): void {
    this.db.close()
  }

  private forget(deleted: { bytes: number }[]): number {
    this.rows -= deleted.length
    for (const d of deleted) this.bytes -= d.bytes
    return deleted.length
  }

  private totals(): { n: number; bytes: number } {
    const t = this.db.prepare(TOTALS).get() as { n: number; bytes: number }
    return { n: Number(t.n), bytes: Number(t.bytes) }
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
  const size = row.size ?? Buffer.byteLength(row.raw)
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
    size,
    truncated: Math.max(0, size - payloadBytesIn(row.raw)),
    ...(row.errors ? { errors: JSON.parse(row.errors) } : {}),
  }
}

/** Bytes of the payload a stored `raw` text stands for (base64 text encodes 3 bytes in 4). */
function payloadBytesIn(raw: string): number {
  return raw.startsWith('base64:') ? Math.floor(((raw.length - 7) * 3) / 4) : Buffer.byteLength(raw)
}
