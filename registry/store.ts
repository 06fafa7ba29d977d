/**
 * The open registry file and what every write shares: its statements, the clock and the audit
 * trail. One SQLite file (WAL) that the broker, the ingest and the CLI may open at once.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { privateDir, privateFile } from '../core/index.js'
import { migrateAccountRoles, prepareStatements, SCHEMA_SQL, type Statements } from './sql.js'
import type { IssuedCredentials } from './types.js'

export interface RegistryDb {
  db: Database.Database
  q: Statements
  now(): string
  audit(actor: string, action: string, sensor?: string, detail?: string): void
}

/** The database and `issue` (from credentials.ts), which creating an account needs. */
export interface RegistryStore extends RegistryDb {
  /** Stores a fresh random password for an existing account; call it inside a write transaction. */
  issue(username: string): IssuedCredentials
}

export function openRegistryDb(dataDir: string): RegistryDb {
  // Password hashes and accounts: readable by the service's user only.
  const db = new Database(privateFile(join(privateDir(dataDir), 'registry.sqlite')))
  db.pragma('busy_timeout = 10000')
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.exec(SCHEMA_SQL)
  migrateAccountRoles(db)
  const q = prepareStatements(db)
  const now = () => new Date().toISOString()
  return {
    db,
    q,
    now,
    audit: (actor, action, sensor, detail) => q.audit.run(now(), actor, action, sensor ?? null, detail ?? null),
  }
}

/**
 * `fn` as one write transaction, so nothing is ever half-written. Writers take the write lock at
 * BEGIN (IMMEDIATE): a deferred transaction that starts as a reader cannot wait for the lock to
 * upgrade, and concurrent CLI runs failed with SQLITE_BUSY.
 */
export function writeTransaction<A extends unknown[], R>(
  db: Database.Database,
  fn: (...args: A) => R,
): (...args: A) => R {
  const tx = db.transaction(fn)
  return (...args) => tx.immediate(...args)
}
