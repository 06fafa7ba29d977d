/** The registry's public types: what the broker, the ingest and the CLI see of it. */
import type { RegisterEntry } from '../schemas/index.js'
import type { CommandLog } from './command-types.js'
import type { GovernanceRegistry } from './governance-types.js'

export type AccountRole = 'device' | 'ingest' | 'reader' | 'operator' | 'admin'
export interface Account {
  username: string
  role: AccountRole
  sensor?: string
  boroughs: string[]
  disabled: boolean
}
export interface SensorRecord {
  entry: RegisterEntry
  createdAt: string
  updatedAt: string
}
export interface IssuedCredentials {
  username: string
  password: string
}
export interface AuditEvent {
  time: string
  actor: string
  action: string
  sensor?: string
  detail?: string
}
export type LoginCheck =
  | { ok: true; account: Account }
  | { ok: false; reason: 'unknown' | 'bad_password' | 'disabled'; account?: Account }
export interface SensorFilter {
  borough?: string
  kind?: string
  status?: string
}
/** Sensors, accounts and the audit log (here); governance records (governance-types.ts). */
export interface Registry extends GovernanceRegistry {
  addSensor(entry: RegisterEntry, actor?: string): IssuedCredentials
  /** Adds many sensors in one transaction: all or none. With `update`, existing ids are updated. */
  importSensors(entries: unknown[], actor?: string, opts?: { update?: boolean }): IssuedCredentials[]
  updateSensor(entry: RegisterEntry, actor?: string): void
  getSensor(id: string): SensorRecord | undefined
  listSensors(filter?: SensorFilter): SensorRecord[]
  retireSensor(id: string, actor?: string): void
  rotateCredentials(id: string, actor?: string): IssuedCredentials
  /** Sets a password chosen by the operator (deployments that keep secrets in their own store). */
  setPassword(username: string, password: string, actor?: string): void
  addAccount(opts: { username: string; role: AccountRole; boroughs?: string[] }, actor?: string): IssuedCredentials
  getAccount(username: string): Account | undefined
  listAccounts(): Account[]
  verify(username: string, password: string): Promise<Account | undefined>
  /** Like verify, but says why a login fails (the broker maps it to a CONNACK code). */
  check(username: string, password: string): Promise<LoginCheck>
  listAudit(filter?: { sensor?: string; limit?: number }): AuditEvent[]
  /** Commands to devices: who issued what, when, for which sensor, and the device's answer. */
  readonly commands: CommandLog
  close(): void
}
