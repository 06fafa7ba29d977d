/**
 * The governance tables, kept apart from the register's own (sql.ts): data-sharing agreements,
 * DPIA records and erasure requests. Lists are JSON arrays; dates are YYYY-MM-DD text, so they
 * compare as text.
 */
import type { DpiaRecord, ErasureRecord, ErasureResult, ErasureStatus, SharingAgreement } from './governance-types.js'

export const GOVERNANCE_SQL = `
CREATE TABLE IF NOT EXISTS sharing_agreements (
  reference TEXT PRIMARY KEY,
  borough TEXT NOT NULL,
  partners TEXT NOT NULL,
  purpose TEXT NOT NULL,
  sensors TEXT,
  starts TEXT NOT NULL,
  review TEXT NOT NULL,
  ends TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sharing_agreements_borough ON sharing_agreements(borough);
CREATE TABLE IF NOT EXISTS dpia_records (
  reference TEXT PRIMARY KEY,
  borough TEXT NOT NULL,
  title TEXT NOT NULL,
  purpose TEXT NOT NULL,
  url TEXT NOT NULL,
  sensors TEXT NOT NULL,
  approved TEXT NOT NULL,
  review TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dpia_records_borough ON dpia_records(borough);
CREATE TABLE IF NOT EXISTS erasures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sensor TEXT NOT NULL,
  borough TEXT NOT NULL,
  from_ms INTEGER,
  to_ms INTEGER NOT NULL,
  reason TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','running','done','failed')),
  claimed_by TEXT,
  finished_at TEXT,
  result TEXT,
  error TEXT
);
CREATE INDEX IF NOT EXISTS erasures_status ON erasures(status, id);
CREATE INDEX IF NOT EXISTS erasures_sensor ON erasures(sensor, id);
`

export interface AgreementRow {
  reference: string
  borough: string
  partners: string
  purpose: string
  sensors: string | null
  starts: string
  review: string
  ends: string | null
  created_at: string
  updated_at: string
}

export const toAgreement = (r: AgreementRow): SharingAgreement => ({
  reference: r.reference,
  borough: r.borough,
  partners: JSON.parse(r.partners) as string[],
  purpose: r.purpose,
  ...(r.sensors ? { sensors: JSON.parse(r.sensors) as string[] } : {}),
  starts: r.starts,
  review: r.review,
  ...(r.ends ? { ends: r.ends } : {}),
  created: r.created_at,
  updated: r.updated_at,
})

export interface DpiaRow {
  reference: string
  borough: string
  title: string
  purpose: string
  url: string
  sensors: string
  approved: string
  review: string
  created_at: string
  updated_at: string
}

export const toDpia = (r: DpiaRow): DpiaRecord => ({
  reference: r.reference,
  borough: r.borough,
  title: r.title,
  purpose: r.purpose,
  url: r.url,
  sensors: JSON.parse(r.sensors) as string[],
  approved: r.approved,
  review: r.review,
  created: r.created_at,
  updated: r.updated_at,
})

export interface ErasureRow {
  id: number
  sensor: string
  borough: string
  from_ms: number | null
  to_ms: number
  reason: string
  requested_by: string
  requested_at: string
  status: ErasureStatus
  claimed_by: string | null
  finished_at: string | null
  result: string | null
  error: string | null
}

export const toErasure = (r: ErasureRow): ErasureRecord => ({
  id: r.id,
  sensor: r.sensor,
  borough: r.borough,
  from: r.from_ms === null ? null : new Date(r.from_ms).toISOString(),
  to: new Date(r.to_ms).toISOString(),
  reason: r.reason,
  requested_by: r.requested_by,
  requested_at: r.requested_at,
  status: r.status,
  ...(r.claimed_by ? { claimed_by: r.claimed_by } : {}),
  ...(r.finished_at ? { finished_at: r.finished_at } : {}),
  ...(r.result ? { result: JSON.parse(r.result) as ErasureResult } : {}),
  ...(r.error ? { error: r.error } : {}),
})
