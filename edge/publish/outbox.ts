/**
 * The SQLite outbox, the node's source of truth (better-sqlite3 12, WAL, synchronous=FULL so a
 * committed reading survives a power cut on storage that honours fsync). A reading gets its
 * sequence number in the same transaction that stores it, so numbers survive restarts and never
 * repeat. Rows: pending -> sent (on PUBACK) or rejected (the platform said so on `errors`).
 * Sent (acknowledged) rows stay for a bounded window, by age and by bytes, so a `resend from..to`
 * command can replay them, also after a restart; rows leaving the window are counted
 * (`retained_evicted` in the heartbeat). Rejected rows are never resent. Bounds of pending rows:
 * maxRows and maxAgeHours; the oldest pending rows are evicted first and counted (`evicted`).
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { privateDir, privateFile, StreetsenseError } from '../../core/index.js'
import type { Reading } from '../../schemas/index.js'
import type { ReadingDraft } from '../aggregate/aggregator.js'
import { OUTBOX_SCHEMA, type OutboxStatements, prepareOutbox } from './outbox-sql.js'

export interface OutboxOptions {
  maxRows: number
  maxAgeHours: number
  /** Acknowledged readings stay for `resend` this long after their PUBACK... */
  retainSentHours: number
  /** ...and while they take no more than this many MB (bodies), oldest evicted first. */
  retainSentMB: number
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

/** The resend window, as the heartbeat reports it. */
export interface ResendWindow {
  /** The oldest seq still held (acknowledged or pending); lastSeq + 1 when none is. */
  resendableFrom: number
  /** Acknowledged readings kept for resend. */
  retained: number
  /** Acknowledged readings evicted from the window since install (by age or size). */
  retainedEvicted: number
}

/**
 * What a `resend from..to` did: flat and snake_case, so it can be a command result's `detail` as
 * it is (schemas/command-result.v1.json allows only scalar values there). A type, not an
 * interface, so that it fits the command runner's Record of scalars.
 */
export type ResendOutcome = {
  /** Acknowledged readings put back to pending. */
  requeued: number
  /** First and last seq requeued (null when none was). */
  first: number | null
  last: number | null
  /** The part of from..to below the window: no longer held, cannot be resent (null when none). */
  unavailable_from: number | null
  unavailable_to: number | null
}

export class Outbox {
  private readonly db: Database.Database
  // A second connection for PUBACK bookkeeping with synchronous=NORMAL: losing a `sent` mark in a
  // power cut only means the reading is published again, and duplicates are harmless, so acks
  // need not cost an fsync each. New readings still commit with FULL on the main connection.
  private readonly ackDb: Database.Database
  private readonly markSentStmt: Database.Statement<[number, string]>
  private readonly stmts: OutboxStatements

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
    this.db.exec(OUTBOX_SCHEMA)
    this.db.pragma('busy_timeout = 5000')
    this.ackDb = new Database(join(dataDir, 'outbox.sqlite'))
    this.ackDb.pragma('synchronous = NORMAL')
    this.ackDb.pragma('busy_timeout = 5000')
    this.markSentStmt = this.ackDb.prepare(
      "UPDATE outbox SET state = 'sent', done_at = ? WHERE state = 'pending' AND seq IN (SELECT value FROM json_each(?))",
    )
    this.stmts = prepareOutbox(this.db)
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

  /**
   * Evicts acknowledged readings that left the resend window (acknowledged more than
   * retainSentHours ago, or beyond retainSentMB), oldest seq first, so the window is always every
   * seq from resendableFrom up; counts them. Rejected rows below it, or as old, go too. Periodic.
   */
  trimWindow(): number {
    const cutoff = this.now() - this.opts.retainSentHours * 3_600_000
    const maxBytes = this.opts.retainSentMB * 1_048_576
    return this.db.transaction(() => {
      let bytes = this.metaValue('retained_bytes')
      let upTo = -1
      for (const row of this.stmts.oldestSent.iterate()) {
        if (row.done_at >= cutoff && bytes <= maxBytes) break
        bytes -= row.bytes
        upTo = row.seq
      }
      this.stmts.pruneRejected.run(upTo, cutoff)
      if (upTo < 0) return 0
      const n = this.stmts.evictSent.run(upTo).changes
      this.stmts.addMeta.run(n, 'retained_evicted')
      return n
    })()
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

  /**
   * `resend from..to`: acknowledged readings in the range go back to pending (rejected ones stay
   * out; pending ones go anyway). Rows acknowledged before a restart are in the window too.
   */
  resend(from: number, to: number): ResendOutcome {
    const none = { requeued: 0, first: null, last: null, unavailable_from: null, unavailable_to: null }
    if (from > to) return none
    return this.db.transaction(() => {
      const { resendableFrom } = this.resendWindow()
      const span = this.stmts.sentSpan.get(from, to)
      const gone = from < resendableFrom
      return {
        requeued: this.stmts.requeue.run(from, to).changes,
        first: span?.first ?? null,
        last: span?.last ?? null,
        unavailable_from: gone ? from : null,
        unavailable_to: gone ? Math.min(to, resendableFrom - 1) : null,
      }
    })()
  }

  resendWindow(): ResendWindow {
    return {
      resendableFrom: this.stmts.oldestHeld.get()?.seq ?? this.metaValue('last_seq') + 1,
      retained: this.metaValue('retained'),
      retainedEvicted: this.metaValue('retained_evicted'),
    }
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
