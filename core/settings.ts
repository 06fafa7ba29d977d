/**
 * Service settings: one JSON Schema per service holds types, limits and defaults. Every setting
 * has a flag (--data-dir) and an environment variable (STREETSENSE_DATA_DIR); flags win over
 * the environment, the environment over defaults. Parsed once at start, frozen, passed in.
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { Command } from 'commander'
import type { FromSchema } from 'json-schema-to-ts'
import { BOROUGH_CODE_PATTERN, resolveBorough, schemaErrorText } from '../schemas/index.js'
import { StreetsenseError } from './errors.js'

export interface SettingSchema {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array'
  description: string
  default?: unknown
  minimum?: number
  maximum?: number
  enum?: readonly unknown[]
  pattern?: string
  items?: { type: 'string'; pattern?: string }
  minLength?: number
}

export interface SettingsSchema {
  $id: string
  type: 'object'
  additionalProperties: false
  required?: readonly string[]
  properties: Record<string, SettingSchema>
}

/**
 * The settings type of a schema (declared `as const`), derived so the two cannot drift: a setting
 * with a default is always present after loadSettings, one without is optional.
 */
export type SettingsOf<S extends SettingsSchema> = FromSchema<S>

export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
export const envName = (key: string): string => `STREETSENSE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`

/** Declares one commander option per setting (the value is parsed and checked later). */
export function addSettingOptions(command: Command, schema: SettingsSchema): Command {
  for (const [key, spec] of Object.entries(schema.properties)) {
    const flag = flagName(key)
    const suffix = spec.default !== undefined ? ` (default ${JSON.stringify(spec.default)})` : ''
    const help = `${spec.description}; env ${envName(key)}${suffix}`
    if (spec.type === 'boolean') {
      command.option(flag, help)
      command.option(`--no-${flag.slice(2)}`, `turn off ${flag}`)
    } else {
      command.option(`${flag} <value>`, help)
    }
  }
  return command
}

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, coerceTypes: 'array', strict: false })
const compiledSchemas = new Map<string, ReturnType<typeof ajv.compile>>()

function rawValue(spec: SettingSchema, value: unknown): unknown {
  if (spec.type === 'array' && typeof value === 'string') {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    // A list of boroughs takes names as well as codes; an unknown one stays as given and fails the pattern.
    return spec.items?.pattern === BOROUGH_CODE_PATTERN ? items.map((b) => resolveBorough(b) ?? b) : items
  }
  return value
}

/** Merges defaults, environment and flags; throws IOT_CONFIG_INVALID naming the flag and variable. */
export function loadSettings<T>(
  schema: SettingsSchema,
  flags: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): Readonly<T> {
  const input: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(schema.properties)) {
    const fromEnv = env[envName(key)]
    if (fromEnv !== undefined && fromEnv !== '') input[key] = rawValue(spec, fromEnv)
    if (flags[key] !== undefined) input[key] = rawValue(spec, flags[key])
  }
  let validate = compiledSchemas.get(schema.$id)
  if (!validate) {
    validate = ajv.compile(schema)
    compiledSchemas.set(schema.$id, validate)
  }
  if (!validate(input)) {
    const err = validate.errors?.[0]
    const key =
      err?.keyword === 'required'
        ? String((err.params as { missingProperty: string }).missingProperty)
        : (err?.instancePath.split('/')[1] ?? '')
    const where = key ? `${flagName(key)} / ${envName(key)}` : 'settings'
    const problem = err ? schemaErrorText(err) : 'invalid'
    throw new StreetsenseError('IOT_CONFIG_INVALID', `invalid setting ${where}: ${problem}`, key)
  }
  return Object.freeze(input) as Readonly<T>
}
