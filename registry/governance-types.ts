/**
 * Governance records of the registry: data-sharing agreements, DPIA records, erasure requests
 * and retention runs. Each lives in its own table (governance-sql.ts); every write is audited.
 */

/** A data-sharing agreement: partner boroughs' accounts may read the owning borough's `shared` sensors. */
export interface SharingAgreement {
  /** The borough's own reference for the agreement (unique), e.g. "CAM-DSA-2026-04". */
  reference: string
  /** The borough whose sensors' data is shared. */
  borough: string
  /** Boroughs whose accounts may read the data while the agreement is in force. */
  partners: string[]
  /** Why the data is shared, in plain English. */
  purpose: string
  /** The sensors it covers; absent: every `shared` sensor of the borough. */
  sensors?: string[]
  /** First day in force (YYYY-MM-DD, UTC). */
  starts: string
  /** When the agreement must next be reviewed (YYYY-MM-DD). */
  review: string
  /** Last day in force (YYYY-MM-DD, inclusive); absent: until ended. */
  ends?: string
  created: string
  updated: string
}

export type AgreementInput = Omit<SharingAgreement, 'created' | 'updated'>

/** A Data Protection Impact Assessment covering one or more sensors (one sensor, or every sensor of a purpose). */
export interface DpiaRecord {
  reference: string
  borough: string
  title: string
  /** The processing it assesses, in plain English. */
  purpose: string
  /** Where the published DPIA is. */
  url: string
  sensors: string[]
  /** When it was approved (YYYY-MM-DD). */
  approved: string
  /** When it must next be reviewed (YYYY-MM-DD). */
  review: string
  created: string
  updated: string
}

export type DpiaInput = Omit<DpiaRecord, 'created' | 'updated'>

export type ErasureStatus = 'pending' | 'running' | 'done' | 'failed'

/** What an erasure removed, per store. */
export interface ErasureResult {
  /** Points deleted from InfluxDB. */
  influx_points: number
  /** Points the ingest dropped from its spool instead of writing them. */
  spool_points: number
  /** Quarantined messages deleted. */
  quarantine_records: number
  /** Rows removed from archive files, and archive files deleted because nothing was left in them. */
  archive_rows: number
  archive_files: number
}

export interface ErasureRequest {
  sensor: string
  /** Epoch ms, inclusive; absent: from the first reading. */
  from?: number
  /** Epoch ms, exclusive; absent: up to the moment of the request. */
  to?: number
  /** Why (a data subject's request, a fault, a withdrawn consent): kept in the audit trail. */
  reason: string
}

export interface ErasureRecord {
  id: number
  sensor: string
  borough: string
  /** ISO times of the erased range [from, to); from null = from the first reading. */
  from: string | null
  to: string
  reason: string
  requested_by: string
  requested_at: string
  status: ErasureStatus
  /** The ingest instance carrying it out. */
  claimed_by?: string
  finished_at?: string
  result?: ErasureResult
  error?: string
}

/** One retention deletion: a sensor's readings older than `before` (its register `retention`). */
export interface RetentionRun {
  sensor: string
  retention: string
  /** ISO time: everything older was deleted. */
  before: string
  points: number
}

export interface ErasureFilter {
  status?: ErasureStatus
  sensor?: string
  /** Only these boroughs' sensors (empty or absent: all). */
  boroughs?: readonly string[]
  limit?: number
}

export interface GovernanceRegistry {
  addAgreement(input: unknown, actor?: string): SharingAgreement
  /** Replaces an agreement (same reference); its borough cannot change. */
  updateAgreement(input: unknown, actor?: string): SharingAgreement
  getAgreement(reference: string): SharingAgreement | undefined
  /** With `sensor`: the agreements that name it, or cover every sensor of its borough. */
  listAgreements(filter?: { borough?: string; sensor?: string }): SharingAgreement[]
  addDpia(input: unknown, actor?: string): DpiaRecord
  updateDpia(input: unknown, actor?: string): DpiaRecord
  getDpia(reference: string): DpiaRecord | undefined
  listDpias(filter?: { borough?: string; sensor?: string }): DpiaRecord[]
  /** Records an erasure request for the ingest to carry out (checked, audited). */
  requestErasure(request: ErasureRequest, actor?: string): ErasureRecord
  getErasure(id: number): ErasureRecord | undefined
  listErasures(filter?: ErasureFilter): ErasureRecord[]
  /** Takes a pending erasure (or one this worker had taken before a restart) for `worker`. */
  claimErasure(id: number, worker: string): ErasureRecord | undefined
  finishErasure(id: number, outcome: { result: ErasureResult } | { error: string }, actor: string): ErasureRecord
  recordRetention(run: RetentionRun, actor: string): void
  /**
   * Changes whenever the registry file changed (any process, any table): caches compare it
   * before trusting what they hold.
   */
  changeStamp(): string
}
