/** The sensor registry: register entries, accounts, hashed credentials and the audit log (SQLite). */
export { entriesFromCsv, toCsv } from './csv.js'
export { buildEntry, type EntryOptions } from './defaults.js'
export { openRegistry } from './registry.js'
export type {
  Account,
  AccountRole,
  AuditEvent,
  Calibration,
  CalibrationInput,
  IssuedCredentials,
  LoginCheck,
  Ratification,
  RatificationDecision,
  RatificationInput,
  Registry,
  SensorFilter,
  SensorRecord,
} from './types.js'
