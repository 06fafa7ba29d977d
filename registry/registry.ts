/**
 * The sensor registry: register entries (public), accounts and their credentials (secret), and an
 * audit trail, in one SQLite file (WAL) that the broker, the ingest and the CLI may open at once.
 * Every change is one transaction, so nothing is ever half-written. The parts: store.ts (the file
 * and its statements), sensors.ts, accounts.ts, credentials.ts (passwords and login checks).
 */
import type Database from 'better-sqlite3'
import { accountMethods } from './accounts.js'
import { openCommandLog } from './commands.js'
import { openCredentials } from './credentials.js'
import { qualityMethods } from './quality-records.js'
import { type AuditRow, toAuditEvent } from './rows.js'
import { sensorQueries } from './sensor-query.js'
import { sensorMethods } from './sensors.js'
import { openRegistryDb } from './store.js'
import type { AuditEvent, Registry } from './types.js'

export type * from './types.js'

export function openRegistry(dataDir: string): Registry {
  const registryDb = openRegistryDb(dataDir)
  // New accounts get their password from `issue` inside the transaction that creates them.
  const { issue, ...credentials } = openCredentials(registryDb)
  const store = { ...registryDb, issue }
  return {
    ...sensorMethods(store),
    ...sensorQueries(store),
    ...accountMethods(store),
    ...credentials,
    ...qualityMethods(store),
    listAudit: (filter) => listAudit(store.db, filter),
    commands: openCommandLog(store),
    close: () => store.db.close(),
  }
}

function listAudit(db: Database.Database, { sensor, limit = 100 }: { sensor?: string; limit?: number } = {}) {
  const rows = (
    sensor === undefined
      ? db.prepare('SELECT * FROM audit ORDER BY seq DESC LIMIT ?').all(limit)
      : db.prepare('SELECT * FROM audit WHERE sensor = ? ORDER BY seq DESC LIMIT ?').all(sensor, limit)
  ) as AuditRow[]
  return rows.map(toAuditEvent) satisfies AuditEvent[]
}
