/**
 * The SQLite outbox, the node's source of truth (better-sqlite3 12, WAL, synchronous=FULL so a
 * committed reading survives a power cut on storage that honours fsync). A reading gets its
 * sequence number in the same transaction that stores it, so numbers survive restarts and never
 * repeat. Rows: pending -> sent (on PUBACK) or rejected (the platform said so on `errors`).
 * Sent rows are kept (up to keepSent) so a `resend from..to` command can replay them; rejected
 * rows are never resent. Bounds: maxRows pending and maxAgeHours; the oldest pending rows are
 * evicted first and counted (the `evicted` field of the status heartbeat).
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { privateDir, privateFile, StreetsenseError } from '../../core/index.js'
import type { Reading } from '../../schemas/index.js'
import type { ReadingDraft } from '../aggregate/aggregator.js'

export interface OutboxOptions {
  maxRows: number
  maxAgeHours: number
  keepSent: number
}

export interface OutboxRow {
  seq: number
  body: string
}

export interface OutboxCounters {
  lastSeq: number
  evicted: number
  rejected: number
}

export class Outbox {
  private readonly db: Database.Database
  // A second connection for PUBACK bookkeeping with synchronous=NORMAL: losing a `sent` mark in a
  // power cut only means the reading is published again, and duplicates are harmless, so acks
  // need not cost an fsync each. New readings still commit with FULL on the main connection.
  private readonly ackDb: Database.Database
  private readonly markSentStmt: Database.Statement<[number, string]>
  private readonly stmts

  constructor(
    dataDir: string,
    private readonly opts: OutboxOptions,
    private readonly now: () => number = Date.now,
  ) {
    try {
      this.db = new Database(privateFile(join(privateDir(dataDir), 'outbox.sqlite')))
    } catch (err) {
      throw new StreetsenseError('IOT_EDGE_OUTBOX', `cannot open the outbox in ${dataDir}: ${(err as Error).message}`)
    }
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending', done_at INTEGER);
      CREATE INDEX IF NOT EXISTS outbox_state_seq ON outbox(state, seq);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta(key, value) VALUES ('last_seq', 0), ('evicted', 0), ('rejected', 0);`)
    this.db.pragma('busy_timeout = 5000')
    this.ackDb = new Database(join(dataDir, 'outbox.sqlite'))
    this.ackDb.pragma('synchronous = NORMAL')
    this.ackDb.pragma('busy_timeout = 5000')
    this.markSentStmt = this.ackDb.prepare(
      "UPDATE outbox SET state = 'sent', done_at = ? WHERE state = 'pending' AND seq IN (SELECT value FROM json_each(?))",
    )
    const db = this.db
    this.stmts = {
      meta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare(
        'INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      addMeta: db.prepare('UPDATE meta SET value = value + ? WHERE key = ?'),
      insert: db.prepare('INSERT INTO outbox(seq, body, created_at) VALUES (?, ?, ?)'),
      pending: db.prepare<[number, number], OutboxRow>(
        "SELECT seq, body FROM outbox WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT ?",
      ),
      depth: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM outbox WHERE state = 'pending'"),
      state: db.prepare<[number], { state: string }>('SELECT state FROM outbox WHERE seq = ?'),
      reject: db.prepare("UPDATE outbox SET state = 'rejected', done_at = ? WHERE seq = ?"),
      requeue: db.prepare("UPDATE outbox SET state = 'pending' WHERE state = 'sent' AND seq BETWEEN ? AND ?"),
      evictOld: db.prepare("DELETE FROM outbox WHERE state = 'pending' AND created_at < ?"),
      evictOver: db.prepare(
        "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?)",
      ),
      pruneDone: db.prepare(
        "DELETE FROM outbox WHERE state != 'pending' AND seq NOT IN (SELECT seq FROM outbox WHERE state != 'pending' ORDER BY seq DESC LIMIT ?)",
      ),
    }
  }

  private metaValue(key: string): number {
    return this.stmts.meta.get(key)?.value ?? 0
  }

  /** Stores readings in one transaction (one fsync), numbering them; returns them with seq. */
  append(drafts: ReadingDraft[]): Reading[] {
    if (drafts.length === 0) return []
    return this.db.transaction(() => {
      let seq = this.metaValue('last_seq')
      const created = this.now()
      const out = drafts.map((d) => {
        seq++
        const reading = { ...d, seq } as Reading
        this.stmts.insert.run(seq, JSON.stringify(reading), created)
        return reading
      })
      this.stmts.setMeta.run('last_seq', seq)
      this.enforceBounds()
      return out
    })()
  }

  /** Pending rows after `afterSeq`, oldest first. */
  nextPending(afterSeq: number, limit: number): OutboxRow[] {
    return this.stmts.pending.all(afterSeq, limit)
  }

  /** PUBACK arrived for these readings. */
  markSent(seqs: number[]): void {
    this.markSentStmt.run(this.now(), JSON.stringify(seqs))
  }

  /** Keeps only the newest keepSent sent/rejected rows (periodic: it scans them). */
  pruneDone(): number {
    return this.stmts.pruneDone.run(this.opts.keepSent).changes
  }

  /** The platform rejected these readings: mark them (never resent) and count them once. */
  markRejected(seqs: number[]): number {
    const t = this.now()
    return this.db.transaction(() => {
      let n = 0
      for (const s of seqs) {
        const row = this.stmts.state.get(s)
        if (row?.state === 'rejected') continue
        if (row) this.stmts.reject.run(t, s)
        n++
      }
      this.stmts.addMeta.run(n, 'rejected')
      return n
    })()
  }

  /** `resend from..to`: sent readings go back to pending (rejected ones stay out). */
  requeue(from: number, to: number): number {
    return this.stmts.requeue.run(from, to).changes
  }

  private enforceBounds(): number {
    let n = this.stmts.evictOld.run(this.now() - this.opts.maxAgeHours * 3_600_000).changes
    const over = this.depth() - this.opts.maxRows
    if (over > 0) n += this.stmts.evictOver.run(over).changes
    if (n > 0) this.stmts.addMeta.run(n, 'evicted')
    return n
  }

  /** Applies the age bound (called periodically; the row bound is applied on every append). */
  evictExpired(): number {
    return this.db.transaction(() => this.enforceBounds())()
  }

  depth(): number {
    return this.stmts.depth.get()?.n ?? 0
  }

  counters(): OutboxCounters {
    return {
      lastSeq: this.metaValue('last_seq'),
      evicted: this.metaValue('evicted'),
      rejected: this.metaValue('rejected'),
    }
  }

  getSetting(key: string): number | undefined {
    return this.stmts.meta.get(`setting:${key}`)?.value
  }

  setSetting(key: string, value: number): void {
    this.stmts.setMeta.run(`setting:${key}`, value)
  }

  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)')
  }

  close(): void {
    if (this.ackDb.open) this.ackDb.close()
    if (this.db.open) this.db.close()
  }
}
