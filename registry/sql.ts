/** The registry's tables. Register entries (public) and credentials (secret) never share a row. */
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
  role TEXT NOT NULL CHECK (role IN ('device','ingest','reader','admin')),
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
`
