/** The registry's public types: what the broker, the ingest and the CLI see of it. */
import type { RegisterEntry } from '../schemas/index.js'
import type { CommandLog } from './command-types.js'

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
  /** [minLon, minLat, maxLon, maxLat] (WGS84). */
  bbox?: readonly [number, number, number, number]
  /** Text in the id, name or address, or in the borough's name (case-insensitive). */
  q?: string
  /** A page: at most `limit` sensors after skipping `offset`, in id order. */
  limit?: number
  offset?: number
}
/** What an operator decided about a field (or `*`: every field) for part of a ratified period. */
export interface RatificationDecision {
  /** exclude: the values are invalid whatever QC said; accept: they are valid, flags or not. */
  action: 'exclude' | 'accept'
  fields: string[]
  from: string
  to: string
  reason: string
}
export interface RatificationInput {
  sensor: string
  from: string
  to: string
  decisions?: RatificationDecision[]
  note?: string
}
/** An operator's review of a sensor's period; never changed: a correction is a new version. */
export interface Ratification extends Required<Omit<RatificationInput, 'note'>> {
  id: number
  /** 1, 2, ... per sensor; for any time the highest version whose period covers it applies. */
  version: number
  note?: string
  by: string
  at: string
}
export interface CalibrationInput {
  sensor: string
  field: string
  method: string
  /** `intercept`, the field itself, and one per covariate: corrected = intercept + sum(c * value). */
  coefficients: Record<string, number>
  covariates: string[]
  reference: string
  colocationFrom: string
  colocationTo: string
  averaging: string
  stats: Record<string, unknown>
  /** Whether the fit met its targets; only applied calibrations correct the public series. */
  applied: boolean
  validFrom: string
  validTo?: string
  note?: string
}
/** A fitted calibration of one field of one sensor; never changed: a refit is a new version. */
export interface Calibration extends CalibrationInput {
  id: number
  version: number
  fittedBy: string
  fittedAt: string
}
export interface Registry {
  addSensor(entry: RegisterEntry, actor?: string): IssuedCredentials
  /** Adds many sensors in one transaction: all or none. With `update`, existing ids are updated. */
  importSensors(entries: unknown[], actor?: string, opts?: { update?: boolean }): IssuedCredentials[]
  updateSensor(entry: RegisterEntry, actor?: string): void
  getSensor(id: string): SensorRecord | undefined
  listSensors(filter?: SensorFilter): SensorRecord[]
  /** How many sensors match (limit and offset ignored). */
  countSensors(filter?: SensorFilter): number
  /**
   * The register's change counter: it grows with every insert, update or delete of a register
   * entry, by any process (a trigger in the file), so readers can key caches and ETags on it.
   */
  sensorsVersion(): number
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
  /** Records a ratification as the sensor's next version (audited). */
  addRatification(input: RatificationInput, actor?: string): Ratification
  listRatifications(sensor: string): Ratification[]
  /** Records a calibration as the next version for the sensor's field (audited). */
  addCalibration(input: CalibrationInput, actor?: string): Calibration
  listCalibrations(sensor: string): Calibration[]
  close(): void
}
