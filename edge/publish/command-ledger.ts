/**
 * The node's memory of the commands it received, in its own SQLite file beside the outbox
 * (<dataDir>/commands.sqlite, synchronous=FULL: commands are rare). QoS 1 redelivers a command
 * whose PUBACK did not reach the broker (a reconnect, a crash, a power cut), so a command id
 * seen before is never run twice; and each answer is kept until the broker acknowledged it, so
 * one lost with the connection goes again on the next connect. Bounded: the newest `maxKept` ids.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { privateDir, privateFile, StreetsenseError } from '../../core/index.js'
import type { CommandResult } from '../../schemas/index.js'

export const COMMAND_IDS_KEPT = 1000

export class CommandLedger {
  private readonly db: Database.Database
  private readonly stmts

  constructor(
    dataDir: string,
    private readonly maxKept = COMMAND_IDS_KEPT,
  ) {
    try {
      this.db = new Database(privateFile(join(privateDir(dataDir), 'commands.sqlite')))
    } catch (err) {
      throw new StreetsenseError(
        'IOT_EDGE_OUTBOX',
        `cannot open the command ledger in ${dataDir}: ${(err as Error).message}`,
      )
    }
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    this.db.exec(`CREATE TABLE IF NOT EXISTS commands (
      id TEXT PRIMARY KEY, received INTEGER NOT NULL, answer TEXT NOT NULL, answered INTEGER NOT NULL DEFAULT 0)`)
    const db = this.db
    this.stmts = {
      get: db.prepare<[string], { answer: string; answered: number }>(
        'SELECT answer, answered FROM commands WHERE id = ?',
      ),
      put: db.prepare(
        `INSERT INTO commands (id, received, answer, answered) VALUES (?, ?, ?, 0)
         ON CONFLICT(id) DO UPDATE SET answer = excluded.answer, answered = 0`,
      ),
      answered: db.prepare('UPDATE commands SET answered = 1 WHERE id = ? AND answer = ?'),
      unanswered: db.prepare<[number], { answer: string }>(
        'SELECT answer FROM commands WHERE answered = 0 ORDER BY received, rowid LIMIT ?',
      ),
      prune: db.prepare(
        'DELETE FROM commands WHERE id NOT IN (SELECT id FROM commands ORDER BY received DESC, rowid DESC LIMIT ?)',
      ),
    }
  }

  /** The answer kept for a command id seen before, and whether the broker has acknowledged it. */
  seen(id: string): { answer: CommandResult; answered: boolean } | undefined {
    const row = this.stmts.get.get(id)
    return row ? { answer: JSON.parse(row.answer) as CommandResult, answered: row.answered === 1 } : undefined
  }

  /** Keeps (or replaces) the answer to a command, not yet acknowledged; forgets the oldest ids. */
  record(answer: CommandResult, receivedAt: number): void {
    this.db.transaction(() => {
      this.stmts.put.run(answer.id, receivedAt, JSON.stringify(answer))
      this.stmts.prune.run(this.maxKept)
    })()
  }

  /** The broker acknowledged this answer (a newer answer to the same id stays unacknowledged). */
  markAnswered(answer: CommandResult): void {
    this.stmts.answered.run(answer.id, JSON.stringify(answer))
  }

  /** Answers the broker has not acknowledged yet, oldest first. */
  unanswered(limit = 100): CommandResult[] {
    return this.stmts.unanswered.all(limit).map((r) => JSON.parse(r.answer) as CommandResult)
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
