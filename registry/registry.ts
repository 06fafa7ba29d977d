/**
 * The sensor registry: register entries (public), accounts and their credentials (secret), and an
 * audit trail, in one SQLite file (WAL) that the broker, the ingest and the CLI may open at once.
 * Every change is one transaction, so nothing is ever half-written.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { StreetsenseError } from '../core/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { isBoroughCode, isSensorId } from '../schemas/index.js'
import { openCredentials } from './credentials.js'
import { type AccountRow, checkEntry, SERVICE_ROLES, type SensorRow, toAccount, toRecord } from './rows.js'
import { SCHEMA_SQL } from './sql.js'
import type { AccountRole, IssuedCredentials, Registry } from './types.js'

export type * from './types.js'

export function openRegistry(dataDir: string): Registry {
  mkdirSync(dataDir, { recursive: true })
  const db = new Database(join(dataDir, 'registry.sqlite'))
  db.pragma('busy_timeout = 10000')
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.exec(SCHEMA_SQL)

  const now = () => new Date().toISOString()
  const q = {
    sensor: db.prepare<[string], SensorRow>('SELECT entry, created_at, updated_at FROM sensors WHERE id = ?'),
    insertSensor: db.prepare(
      'INSERT INTO sensors (id, borough, kind, status, entry, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    updateSensor: db.prepare(
      'UPDATE sensors SET borough = ?, kind = ?, status = ?, entry = ?, updated_at = ? WHERE id = ?',
    ),
    account: db.prepare<[string], AccountRow>(
      'SELECT a.*, c.hash FROM accounts a LEFT JOIN credentials c USING (username) WHERE a.username = ?',
    ),
    accounts: db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY username'),
    insertAccount: db.prepare(
      'INSERT INTO accounts (username, role, sensor, boroughs, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    setDisabled: db.prepare('UPDATE accounts SET disabled = ?, updated_at = ? WHERE username = ?'),
    audit: db.prepare('INSERT INTO audit (time, actor, action, sensor, detail) VALUES (?, ?, ?, ?, ?)'),
  }

  const audit = (actor: string, action: string, sensor?: string, detail?: string) =>
    q.audit.run(now(), actor, action, sensor ?? null, detail ?? null)

  // Passwords (issuing, rotating, checking logins) live in credentials.ts; new accounts get
  // theirs from `issue` inside the same transaction that creates them.
  const { issue, ...credentials } = openCredentials(db, { findAccount: (u) => q.account.get(u), audit, now })

  function insertSensor(entry: RegisterEntry, actor: string): IssuedCredentials {
    if (q.sensor.get(entry.id) || q.account.get(entry.id)) {
      throw new StreetsenseError('IOT_REGISTRY_DUPLICATE', `sensor or account ${entry.id} already exists`, '/id')
    }
    const t = now()
    q.insertSensor.run(entry.id, entry.borough, entry.kind, entry.status, JSON.stringify(entry), t, t)
    q.insertAccount.run(entry.id, 'device', entry.id, '[]', entry.status === 'retired' ? 1 : 0, t, t)
    audit(actor, 'sensor.add', entry.id)
    return issue(entry.id)
  }

  function replaceSensor(entry: RegisterEntry, actor: string): void {
    const before = q.sensor.get(entry.id)
    if (!before) throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no sensor ${entry.id}`, '/id')
    const t = now()
    q.updateSensor.run(entry.borough, entry.kind, entry.status, JSON.stringify(entry), t, entry.id)
    q.setDisabled.run(entry.status === 'retired' ? 1 : 0, t, entry.id)
    const old = JSON.parse(before.entry) as RegisterEntry
    audit(
      actor,
      'sensor.update',
      entry.id,
      old.status !== entry.status ? `status ${old.status} -> ${entry.status}` : undefined,
    )
  }

  // Writers take the write lock at BEGIN (IMMEDIATE): a deferred transaction that starts as a
  // reader cannot wait for the lock to upgrade, and concurrent CLI runs failed with SQLITE_BUSY.
  const addSensorTx = db.transaction(insertSensor)
  const updateSensorTx = db.transaction(replaceSensor)
  const importTx = db.transaction((entries: RegisterEntry[], actor: string, update: boolean) => {
    const issued: IssuedCredentials[] = []
    for (const e of entries) {
      if (update && q.sensor.get(e.id)) replaceSensor(e, actor)
      else issued.push(insertSensor(e, actor))
    }
    return issued
  })
  const retireTx = db.transaction((id: string, actor: string) => {
    const row = q.sensor.get(id)
    if (!row) throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no sensor ${id}`, 'id')
    const entry = { ...(JSON.parse(row.entry) as RegisterEntry), status: 'retired' as const }
    const t = now()
    q.updateSensor.run(entry.borough, entry.kind, entry.status, JSON.stringify(entry), t, id)
    q.setDisabled.run(1, t, id)
    audit(actor, 'sensor.retire', id)
  })
  const addAccountTx = db.transaction((username: string, role: AccountRole, boroughs: string[], actor: string) => {
    if (q.account.get(username) || q.sensor.get(username)) {
      throw new StreetsenseError('IOT_REGISTRY_DUPLICATE', `account ${username} already exists`, 'username')
    }
    const t = now()
    q.insertAccount.run(username, role, null, JSON.stringify(boroughs), 0, t, t)
    audit(actor, 'account.add', undefined, `${role} ${username}${boroughs.length ? ` (${boroughs.join(',')})` : ''}`)
    return issue(username)
  })

  return {
    addSensor: (entry, actor = 'cli') => addSensorTx.immediate(checkEntry(entry), actor),
    importSensors(entries, actor = 'cli', opts = {}) {
      const checked = entries.map((e, i) => checkEntry(e, `/${i}`))
      const ids = new Set<string>()
      checked.forEach((e, i) => {
        if (ids.has(e.id)) throw new StreetsenseError('IOT_REGISTRY_DUPLICATE', `id ${e.id} appears twice`, `/${i}/id`)
        ids.add(e.id)
      })
      return importTx.immediate(checked, actor, opts.update ?? false)
    },
    updateSensor: (entry, actor = 'cli') => updateSensorTx.immediate(checkEntry(entry), actor),
    getSensor(id) {
      const row = q.sensor.get(id)
      return row ? toRecord(row) : undefined
    },
    listSensors(filter = {}) {
      const where: string[] = []
      const args: string[] = []
      for (const key of ['borough', 'kind', 'status'] as const) {
        if (filter[key] === undefined) continue
        where.push(`${key} = ?`)
        args.push(filter[key])
      }
      const sql = `SELECT entry, created_at, updated_at FROM sensors ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`
      return db
        .prepare<string[], SensorRow>(sql)
        .all(...args)
        .map(toRecord)
    },
    retireSensor: (id, actor = 'cli') => retireTx.immediate(id, actor),
    addAccount({ username, role, boroughs = [] }, actor = 'cli') {
      if (!isSensorId(username)) {
        throw new StreetsenseError(
          'IOT_REGISTRY_INVALID_ENTRY',
          'username must match [A-Za-z0-9._:-]{1,64}',
          'username',
        )
      }
      if (!SERVICE_ROLES.includes(role)) {
        throw new StreetsenseError(
          'IOT_REGISTRY_INVALID_ENTRY',
          `role must be one of ${SERVICE_ROLES.join(', ')}`,
          'role',
        )
      }
      const bad = boroughs.find((b) => !isBoroughCode(b))
      if (bad !== undefined) {
        throw new StreetsenseError('IOT_REGISTRY_INVALID_ENTRY', `not a London borough code: ${bad}`, 'boroughs')
      }
      return addAccountTx.immediate(username, role, boroughs, actor)
    },
    getAccount(username) {
      const row = q.account.get(username)
      return row ? toAccount(row) : undefined
    },
    listAccounts: () => q.accounts.all().map(toAccount),
    ...credentials,
    listAudit({ sensor, limit = 100 } = {}) {
      const rows = (
        sensor === undefined
          ? db.prepare('SELECT * FROM audit ORDER BY seq DESC LIMIT ?').all(limit)
          : db.prepare('SELECT * FROM audit WHERE sensor = ? ORDER BY seq DESC LIMIT ?').all(sensor, limit)
      ) as { time: string; actor: string; action: string; sensor: string | null; detail: string | null }[]
      return rows.map((r) => ({
        time: r.time,
        actor: r.actor,
        action: r.action,
        ...(r.sensor ? { sensor: r.sensor } : {}),
        ...(r.detail ? { detail: r.detail } : {}),
      }))
    },
    close: () => db.close(),
  }
}
