/**
 * The registry's SQL: its tables and the statements the writes and reads use. Register entries
 * (public) and credentials (secret) never share a row.
 */
import type Database from 'better-sqlite3'
import type { AccountRow, SensorRow } from './rows.js'

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS sensors (
  id TEXT PRIMARY KEY,
  borough TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  entry TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sensors_borough ON sensors(borough);
CREATE TABLE IF NOT EXISTS accounts (
  username TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('device','ingest','reader','operator','admin')),
  sensor TEXT REFERENCES sensors(id),
  boroughs TEXT NOT NULL DEFAULT '[]',
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS credentials (
  username TEXT PRIMARY KEY REFERENCES accounts(username),
  hash TEXT NOT NULL,
  issued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  sensor TEXT,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS audit_sensor ON audit(sensor);
CREATE TABLE IF NOT EXISTS commands (
  id TEXT PRIMARY KEY,
  sensor TEXT NOT NULL,
  borough TEXT NOT NULL,
  command TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '{}',
  issued_by TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','sent','expired','cancelled')),
  sent_at TEXT,
  result_status TEXT,
  result_reason TEXT,
  result_code TEXT,
  result_detail TEXT,
  result_time TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS commands_sensor ON commands(sensor);
CREATE INDEX IF NOT EXISTS commands_state ON commands(state, borough);
CREATE TABLE IF NOT EXISTS ratifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sensor TEXT NOT NULL REFERENCES sensors(id),
  version INTEGER NOT NULL,
  period_from TEXT NOT NULL,
  period_to TEXT NOT NULL,
  decisions TEXT NOT NULL,
  note TEXT,
  by TEXT NOT NULL,
  at TEXT NOT NULL,
  UNIQUE (sensor, version)
);
CREATE TABLE IF NOT EXISTS calibrations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sensor TEXT NOT NULL REFERENCES sensors(id),
  field TEXT NOT NULL,
  version INTEGER NOT NULL,
  record TEXT NOT NULL,
  applied INTEGER NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  fitted_by TEXT NOT NULL,
  fitted_at TEXT NOT NULL,
  UNIQUE (sensor, field, version)
);
CREATE TRIGGER IF NOT EXISTS ratifications_never_change BEFORE UPDATE ON ratifications
  BEGIN SELECT RAISE(ABORT, 'a ratification is never changed: record a new version'); END;
CREATE TRIGGER IF NOT EXISTS calibrations_never_change BEFORE UPDATE ON calibrations
  BEGIN SELECT RAISE(ABORT, 'a calibration is never changed: record a new version'); END;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('sensors_version', 0);
CREATE TRIGGER IF NOT EXISTS sensors_version_insert AFTER INSERT ON sensors
  BEGIN UPDATE meta SET value = value + 1 WHERE key = 'sensors_version'; END;
CREATE TRIGGER IF NOT EXISTS sensors_version_update AFTER UPDATE ON sensors
  BEGIN UPDATE meta SET value = value + 1 WHERE key = 'sensors_version'; END;
CREATE TRIGGER IF NOT EXISTS sensors_version_delete AFTER DELETE ON sensors
  BEGIN UPDATE meta SET value = value + 1 WHERE key = 'sensors_version'; END;
`

/**
 * Registries made before the `operator` role have a CHECK on accounts.role without it. SQLite
 * cannot alter a CHECK, so the table is rebuilt (the documented 12-step way: foreign keys off,
 * copy, drop, rename, check), once, in one write transaction.
 */
export function migrateAccountRoles(db: Database.Database): void {
  const current = () =>
    db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'accounts'").get()
      ?.sql
  const before = current()
  if (before === undefined || before.includes("'operator'")) return
  const columns = 'username, role, sensor, boroughs, disabled, created_at, updated_at'
  const create = /CREATE TABLE IF NOT EXISTS accounts \(([\s\S]*?)\n\);/.exec(SCHEMA_SQL)![1]
  db.pragma('foreign_keys = OFF')
  try {
    db.transaction(() => {
      if (current()?.includes("'operator'")) return // another process migrated it meanwhile
      db.exec(`CREATE TABLE accounts_new (${create});
        INSERT INTO accounts_new (${columns}) SELECT ${columns} FROM accounts;
        DROP TABLE accounts;
        ALTER TABLE accounts_new RENAME TO accounts;`)
      if ((db.pragma('foreign_key_check') as unknown[]).length > 0)
        throw new Error('registry migration broke a foreign key')
    }).immediate()
  } finally {
    db.pragma('foreign_keys = ON')
  }
}

export function prepareStatements(db: Database.Database) {
  return {
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
    setCredential: db.prepare(
      'INSERT INTO credentials (username, hash, issued_at) VALUES (?, ?, ?) ON CONFLICT(username) DO UPDATE SET hash = excluded.hash, issued_at = excluded.issued_at',
    ),
    audit: db.prepare('INSERT INTO audit (time, actor, action, sensor, detail) VALUES (?, ?, ?, ?, ?)'),
  }
}

export type Statements = ReturnType<typeof prepareStatements>
