/** Row shapes of the registry's SQLite tables and their mapping to the public types. */

import { StreetsenseError } from '../core/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { validateRegisterEntry } from '../schemas/index.js'
import type { Account, AccountRole, AuditEvent, SensorRecord } from './types.js'

export interface SensorRow {
  entry: string
  created_at: string
  updated_at: string
}
export interface AuditRow {
  time: string
  actor: string
  action: string
  sensor: string | null
  detail: string | null
}
export interface AccountRow {
  username: string
  role: AccountRole
  sensor: string | null
  boroughs: string
  disabled: number
  hash?: string
}

export function checkEntry(value: unknown, where = ''): RegisterEntry {
  const result = validateRegisterEntry(value)
  if (result.ok) return result.value
  const first = result.errors[0]!
  const field = `${where}${first.path}`
  const all = result.errors.map((e) => `${where}${e.path}: ${e.message}`).join('; ')
  throw new StreetsenseError('IOT_REGISTRY_INVALID_ENTRY', `invalid register entry: ${all}`, field)
}

export const toAccount = (row: AccountRow): Account => ({
  username: row.username,
  role: row.role,
  ...(row.sensor ? { sensor: row.sensor } : {}),
  boroughs: JSON.parse(row.boroughs) as string[],
  disabled: row.disabled !== 0,
})

export const toRecord = (row: SensorRow): SensorRecord => ({
  entry: JSON.parse(row.entry) as RegisterEntry,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export const toAuditEvent = (r: AuditRow): AuditEvent => ({
  time: r.time,
  actor: r.actor,
  action: r.action,
  ...(r.sensor ? { sensor: r.sensor } : {}),
  ...(r.detail ? { detail: r.detail } : {}),
})
