/**
 * What the open data API needs from the register and the ingest's per-sensor counters. These are
 * structural subsets of contracts.md's Registry and SensorStats, so the real objects plug in as they are.
 */
import type { RegisterEntry } from '../schemas/index.js'

export interface SensorRecordLike {
  entry: RegisterEntry
  createdAt: string
  updatedAt: string
}

export interface AccountLike {
  username: string
  role: string
  boroughs: string[]
  disabled: boolean
}

export interface AuditEventLike {
  time: string
  actor: string
  action: string
  sensor?: string
  detail?: string
}

export interface RegisterSource {
  listSensors(filter?: { borough?: string; kind?: string; status?: string }): SensorRecordLike[]
  getSensor(id: string): SensorRecordLike | undefined
}

/** The admin API's needs: writes go through the Registry, which validates and audits them. */
export interface RegisterStore extends RegisterSource {
  addSensor(entry: RegisterEntry, actor?: string): { username: string; password: string }
  updateSensor(entry: RegisterEntry, actor?: string): void
  retireSensor(id: string, actor?: string): void
  verify(username: string, password: string): Promise<AccountLike | undefined>
  listAudit(filter?: { sensor?: string; limit?: number }): AuditEventLike[]
}

export interface SensorStatsLike {
  accepted: number
  rejected: number
  duplicates: number
  gaps: number
  lastSeq: number | null
  lastSeen: string | number | null
}

export interface SensorStatsSource {
  get(sensor: string): SensorStatsLike | undefined
}
