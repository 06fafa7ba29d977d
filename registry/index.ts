/** The sensor registry: register entries, accounts, hashed credentials, commands, governance records and the audit log (SQLite). */

export {
  agreementInForce,
  agreementsSharing,
  boroughsSharingWith,
  type DataReader,
  mayReadReadings,
  READING_ROLES,
  reviewState,
  type SharedEntry,
  utcDay,
} from './access.js'
export { AccessPolicy, type AccessSource } from './access-policy.js'
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
export type * from './fleet-types.js'
export { FAILED_DEVICE_STATES, FINAL_DEVICE_STATES } from './fleet-types.js'
export type {
  AgreementInput,
  DpiaInput,
  DpiaRecord,
  ErasureFilter,
  ErasureRecord,
  ErasureRequest,
  ErasureResult,
  ErasureStatus,
  GovernanceRegistry,
  RetentionRun,
  SharingAgreement,
} from './governance-types.js'
export { openRegistry } from './registry.js'
export { retentionCutoff } from './retention.js'
export {
  bucketOf,
  checkHaltRule,
  checkStages,
  cohortOrder,
  countDevices,
  DEFAULT_HALT,
  DEFAULT_STAGES,
  haltReason,
  isFailure,
  isFinal,
  parseStages,
  stageReach,
} from './rollout-plan.js'
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
