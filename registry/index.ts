/** The sensor registry: register entries, accounts, hashed credentials, commands and the audit log (SQLite). */
export { clientIdAllowed, isReservedName, RESERVED_NAMES, serviceClientId } from './client-ids.js'
export { commandsBorough, issuerMayCommand, SERVICE_COMMANDS } from './command-rights.js'
export { argsOf, commandSummary, deviceCommandOf, newCommandOf, sameCommandArgs } from './command-shape.js'
export type {
  CommandArgs,
  CommandFilter,
  CommandLog,
  CommandName,
  CommandOutcome,
  CommandRecord,
  CommandState,
  NewCommand,
  RelayOutcome,
} from './command-types.js'
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
