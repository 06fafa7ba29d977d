/**
 * The outbox's tables and statements (outbox.ts). Counters live in `meta`; the size of the resend
 * window (acknowledged rows kept, and their bytes) is kept there by triggers, so neither a
 * heartbeat nor a trim has to read the retained rows to know it. Opening an older outbox adds the
 * new counters from the rows it holds.
 */
import type Database from 'better-sqlite3'
import type { OutboxRow } from './outbox.js'

const SENT_BYTES = 'length(CAST(body AS BLOB))'

export const OUTBOX_SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending', done_at INTEGER);
  CREATE INDEX IF NOT EXISTS outbox_state_seq ON outbox(state, seq);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT OR IGNORE INTO meta(key, value)
    VALUES ('last_seq', 0), ('evicted', 0), ('rejected', 0), ('retained_evicted', 0);
  INSERT OR IGNORE INTO meta(key, value) SELECT 'retained', count(*) FROM outbox WHERE state = 'sent';
  INSERT OR IGNORE INTO meta(key, value)
    SELECT 'retained_bytes', coalesce(sum(${SENT_BYTES}), 0) FROM outbox WHERE state = 'sent';
  CREATE TRIGGER IF NOT EXISTS outbox_retained_in AFTER UPDATE OF state ON outbox
    WHEN new.state = 'sent' AND old.state != 'sent' BEGIN
      UPDATE meta SET value = value + 1 WHERE key = 'retained';
      UPDATE meta SET value = value + length(CAST(new.body AS BLOB)) WHERE key = 'retained_bytes';
    END;
  CREATE TRIGGER IF NOT EXISTS outbox_retained_out AFTER UPDATE OF state ON outbox
    WHEN old.state = 'sent' AND new.state != 'sent' BEGIN
      UPDATE meta SET value = value - 1 WHERE key = 'retained';
      UPDATE meta SET value = value - length(CAST(old.body AS BLOB)) WHERE key = 'retained_bytes';
    END;
  CREATE TRIGGER IF NOT EXISTS outbox_retained_gone AFTER DELETE ON outbox
    WHEN old.state = 'sent' BEGIN
      UPDATE meta SET value = value - 1 WHERE key = 'retained';
      UPDATE meta SET value = value - length(CAST(old.body AS BLOB)) WHERE key = 'retained_bytes';
    END;`

export function prepareOutbox(db: Database.Database) {
  return {
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
    sentSpan: db.prepare<[number, number], { first: number | null; last: number | null }>(
      "SELECT min(seq) AS first, max(seq) AS last FROM outbox WHERE state = 'sent' AND seq BETWEEN ? AND ?",
    ),
    requeue: db.prepare("UPDATE outbox SET state = 'pending' WHERE state = 'sent' AND seq BETWEEN ? AND ?"),
    // The oldest seq still held (acknowledged or pending); two index lookups, not a scan.
    oldestHeld: db.prepare<[], { seq: number | null }>(
      "SELECT min(s) AS seq FROM (SELECT min(seq) AS s FROM outbox WHERE state = 'sent' UNION ALL SELECT min(seq) FROM outbox WHERE state = 'pending')",
    ),
    oldestSent: db.prepare<[], { seq: number; done_at: number; bytes: number }>(
      `SELECT seq, done_at, ${SENT_BYTES} AS bytes FROM outbox WHERE state = 'sent' ORDER BY seq`,
    ),
    evictSent: db.prepare("DELETE FROM outbox WHERE state = 'sent' AND seq <= ?"),
    pruneRejected: db.prepare("DELETE FROM outbox WHERE state = 'rejected' AND (seq <= ? OR done_at < ?)"),
    evictOld: db.prepare("DELETE FROM outbox WHERE state = 'pending' AND created_at < ?"),
    evictOver: db.prepare(
      "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?)",
    ),
  }
}

export type OutboxStatements = ReturnType<typeof prepareOutbox>
