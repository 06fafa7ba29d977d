/**
 * Compiles every schema once (ajv, JSON Schema 2020-12, with formats) and exports validators.
 * Every stage validates with these functions, so a message means the same thing everywhere.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import * as formatsModule from 'ajv-formats'
import batchSchema from './batch.v1.json' with { type: 'json' }
import commandSchema from './command.v1.json' with { type: 'json' }
import commandResultSchema from './command-result.v1.json' with { type: 'json' }
import commonSchema from './common.v1.json' with { type: 'json' }
import { dateTimeFormat } from './date-time.js'
import deviceErrorSchema from './device-error.v1.json' with { type: 'json' }
import { schemaErrorText } from './error-text.js'
import readingSchema from './reading.v1.json' with { type: 'json' }
import registerEntrySchema from './register-entry.v1.json' with { type: 'json' }
import statusSchema from './status.v1.json' with { type: 'json' }
import type {
  CommandResult,
  DeviceCommand,
  DeviceError,
  DeviceStatus,
  Reading,
  ReadingBatch,
  RegisterEntry,
} from './types.gen.js'

export const SCHEMA_IDS = {
  reading: readingSchema.$id,
  batch: batchSchema.$id,
  status: statusSchema.$id,
  registerEntry: registerEntrySchema.$id,
  deviceError: deviceErrorSchema.$id,
  command: commandSchema.$id,
  commandResult: commandResultSchema.$id,
} as const
export type SchemaName = keyof typeof SCHEMA_IDS

export const ALL_SCHEMAS = [
  commonSchema,
  readingSchema,
  batchSchema,
  statusSchema,
  registerEntrySchema,
  deviceErrorSchema,
  commandSchema,
  commandResultSchema,
] as const

/** One failure, with a JSON Pointer to the value that failed. */
export interface FieldError {
  path: string
  message: string
  keyword: string
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] }

// ajv-formats is CommonJS; its default export arrives under .default or as the namespace.
type FormatsPlugin = (ajv: Ajv2020) => Ajv2020
const addFormats = ((formatsModule as unknown as { default?: FormatsPlugin }).default ??
  formatsModule) as unknown as FormatsPlugin

function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictRequired: false,
    strictTypes: false,
    allowUnionTypes: true,
  })
  addFormats(ajv)
  ajv.addFormat('date-time', dateTimeFormat)
  // Read by the type generator only (json-schema-to-typescript); no validation meaning.
  ajv.addKeyword({ keyword: 'tsType', schemaType: 'string' })
  for (const schema of ALL_SCHEMAS) ajv.addSchema(schema)
  return ajv
}

const ajv = createAjv()

function compiled<T>(id: string): ValidateFunction<T> {
  const fn = ajv.getSchema<T>(id)
  if (!fn) throw new Error(`schema not compiled: ${id}`)
  return fn
}

const validators = {
  reading: compiled<Reading>(SCHEMA_IDS.reading),
  batch: compiled<ReadingBatch>(SCHEMA_IDS.batch),
  status: compiled<DeviceStatus>(SCHEMA_IDS.status),
  registerEntry: compiled<RegisterEntry>(SCHEMA_IDS.registerEntry),
  deviceError: compiled<DeviceError>(SCHEMA_IDS.deviceError),
  command: compiled<DeviceCommand>(SCHEMA_IDS.command),
  commandResult: compiled<CommandResult>(SCHEMA_IDS.commandResult),
}

function toFieldErrors(errors: readonly ErrorObject[] | null | undefined): FieldError[] {
  if (!errors) return []
  // if/then wrappers only repeat what the nested error already says.
  return errors
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const path =
        e.keyword === 'additionalProperties'
          ? `${e.instancePath}/${String((e.params as { additionalProperty: string }).additionalProperty)}`
          : e.keyword === 'required'
            ? `${e.instancePath}/${String((e.params as { missingProperty: string }).missingProperty)}`
            : e.instancePath
      return { path: path || '/', message: schemaErrorText(e), keyword: e.keyword }
    })
}

function run<T>(fn: ValidateFunction<T>, value: unknown): ValidationResult<T> {
  if (fn(value)) return { ok: true, value }
  return { ok: false, errors: toFieldErrors(fn.errors) }
}

/** How far ahead of the receiver's clock an observation time may be (clock skew allowance). */
export const MAX_FUTURE_MS = 5 * 60 * 1000

const FUTURE_MESSAGE = 'must not be more than 5 minutes in the future'

/** Whether an observation time is too far ahead of `now` (the schema has checked its form). */
const tooFarAhead = (reading: Reading, now: number): boolean => Date.parse(reading.time) - now > MAX_FUTURE_MS

/**
 * The times InfluxDB can store (nanoseconds since 1970 in a signed 64-bit integer), in ms:
 * 1677-09-21T00:12:43.146Z to 2262-04-11T23:47:16.854Z. RFC 3339 allows a leap second (:60),
 * which neither InfluxDB nor JavaScript can represent.
 */
export const STORABLE_TIME_MS = { from: -9_223_372_036_854, to: 9_223_372_036_854 } as const

const UNSTORABLE_MESSAGE =
  'must be a time InfluxDB can store: from 1677-09-21 to 2262-04-11, and not a leap second (:60)'

/** Whether a time that passed the schema is one InfluxDB cannot store. */
export function isUnstorableTime(time: string): boolean {
  const ms = Date.parse(time)
  return !Number.isFinite(ms) || ms < STORABLE_TIME_MS.from || ms > STORABLE_TIME_MS.to
}

/** What is wrong with a reading's time, if anything: unstorable first, then too far ahead. */
function timeProblem(reading: Reading, now: number): Omit<FieldError, 'path'> | undefined {
  if (isUnstorableTime(reading.time)) return { message: UNSTORABLE_MESSAGE, keyword: 'storable' }
  if (tooFarAhead(reading, now)) return { message: FUTURE_MESSAGE, keyword: 'future' }
  return undefined
}

export function validateReading(value: unknown, now = Date.now()): ValidationResult<Reading> {
  const result = run(validators.reading, value)
  if (!result.ok) return result
  const problem = timeProblem(result.value, now)
  return problem ? { ok: false, errors: [{ path: '/time', ...problem }] } : result
}

export function validateBatch(value: unknown, now = Date.now()): ValidationResult<ReadingBatch> {
  const result = run(validators.batch, value)
  if (!result.ok) return result
  // A plain loop: this runs for every reading of every batch, and paths are built only for errors.
  const readings = result.value.readings
  const errors: FieldError[] = []
  let oneSensor = true
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!
    const problem = timeProblem(r, now)
    if (problem) errors.push({ path: `/readings/${i}/time`, ...problem })
    if (r.sensor !== readings[0]!.sensor) oneSensor = false
  }
  if (!oneSensor) {
    errors.push({
      path: '/readings',
      message: 'all readings of a batch must come from one sensor',
      keyword: 'sameSensor',
    })
  }
  return errors.length ? { ok: false, errors } : result
}

export function validateStatus(value: unknown): ValidationResult<DeviceStatus> {
  const result = run(validators.status, value)
  if (result.ok && isUnstorableTime(result.value.time)) {
    return { ok: false, errors: [{ path: '/time', message: UNSTORABLE_MESSAGE, keyword: 'storable' }] }
  }
  return result
}
export const validateRegisterEntry = (value: unknown): ValidationResult<RegisterEntry> =>
  run(validators.registerEntry, value)
export const validateDeviceError = (value: unknown): ValidationResult<DeviceError> => run(validators.deviceError, value)
/** The command names in the order of command.v1.json's variants (oneOf). */
const COMMAND_NAMES = commandSchema.oneOf.map((v) => v.properties.command.const) as string[]

/**
 * A command (schemas/command.v1.json). When it fails, the errors are those of the variant its
 * `command` names (or that the name is unknown), not every variant's of the oneOf.
 */
export function validateCommand(value: unknown): ValidationResult<DeviceCommand> {
  const whole = run(validators.command, value)
  if (whole.ok || value === null || typeof value !== 'object' || Array.isArray(value)) return whole
  const variant = COMMAND_NAMES.indexOf((value as { command?: unknown }).command as string)
  if (variant < 0) {
    const message = `must be one of ${COMMAND_NAMES.join(', ')}`
    return { ok: false, errors: [{ path: '/command', message, keyword: 'enum' }] }
  }
  const own = run(compiled<DeviceCommand>(`${SCHEMA_IDS.command}#/oneOf/${variant}`), value)
  return own.ok ? whole : own
}
export const validateCommandResult = (value: unknown): ValidationResult<CommandResult> =>
  run(validators.commandResult, value)

/** A reading or a batch, told apart by the presence of `readings`. */
export function validateReadingMessage(value: unknown, now = Date.now()): ValidationResult<Reading[]> {
  if (value !== null && typeof value === 'object' && 'readings' in value) {
    const r = validateBatch(value, now)
    return r.ok ? { ok: true, value: r.value.readings } : r
  }
  const r = validateReading(value, now)
  return r.ok ? { ok: true, value: [r.value] } : r
}

/** Guesses what a JSON document is, for `streetsense validate` without --type. */
export function detectSchema(value: unknown): SchemaName {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'reading'
  const v = value as Record<string, unknown>
  if ('readings' in v) return 'batch'
  if ('id' in v && (v.status === 'accepted' || v.status === 'done' || v.status === 'refused')) return 'commandResult'
  if ('command' in v) return 'command'
  if ('purpose' in v || 'operator' in v || 'location' in v) return 'registerEntry'
  if ('agent_version' in v || 'outbox_depth' in v || 'uptime' in v) return 'status'
  if ('reason' in v && 'code' in v) return 'deviceError'
  return 'reading'
}

export function validateAs(name: SchemaName, value: unknown, now = Date.now()): ValidationResult<unknown> {
  switch (name) {
    case 'reading':
      return validateReading(value, now)
    case 'batch':
      return validateBatch(value, now)
    case 'status':
      return validateStatus(value)
    case 'registerEntry':
      return validateRegisterEntry(value)
    case 'deviceError':
      return validateDeviceError(value)
    case 'command':
      return validateCommand(value)
    case 'commandResult':
      return validateCommandResult(value)
  }
}
