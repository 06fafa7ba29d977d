/**
 * The agent config file: read once at start (YAML or JSON), checked against edgeConfigSchema with
 * ajv (defaults filled in), frozen and passed down. A bad file stops the agent with
 * IOT_EDGE_CONFIG_INVALID naming the field, e.g. `sensors/0/port`.
 */
import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { FromSchema } from 'json-schema-to-ts'
import { parse as parseYaml } from 'yaml'
import type { SettingsOf, SettingsSchema } from '../core/index.js'
import { StreetsenseError } from '../core/index.js'
import { schemaErrorText, type TrafficCounts } from '../schemas/index.js'
import { edgeConfigSchema } from './config-schema.js'

export type TrafficClass = keyof TrafficCounts

/**
 * The config file's type, derived from edgeConfigSchema so the two cannot drift: defaulted fields
 * are always present after parseEdgeConfig; the per-driver if/then rules give a union by driver.
 */
export type EdgeConfig = FromSchema<typeof edgeConfigSchema, { parseIfThenElseKeywords: true }>
export type SensorConfig = EdgeConfig['sensors'][number]
export type Sds011Config = Extract<SensorConfig, { driver: 'sds011' }>
export type Pms5003Config = Extract<SensorConfig, { driver: 'pms5003' }>
export type Bme280Config = Extract<SensorConfig, { driver: 'bme280' }>
export type ArduinoConfig = Extract<SensorConfig, { driver: 'arduino' }>
export type SimulatedConfig = Extract<SensorConfig, { driver: 'simulated' }>
export type No2Calibration = NonNullable<ArduinoConfig['no2']>['calibration']
export type TrafficInputConfig = NonNullable<ArduinoConfig['traffic']>[number]
export type PinName = TrafficInputConfig['pin']

const ajv = new Ajv2020({ allErrors: false, useDefaults: true, strict: false })
const validate = ajv.compile(edgeConfigSchema)

/** Checks a parsed config object; fills defaults; throws EdgeError naming the first bad field. */
export function parseEdgeConfig(input: unknown): Readonly<EdgeConfig> {
  const copy = structuredClone(input)
  if (!validate(copy)) {
    const err = validate.errors?.find((e) => e.keyword !== 'if') ?? validate.errors?.[0]
    let field = err?.instancePath.replace(/^\//, '') ?? ''
    if (err?.keyword === 'required')
      field = [field, (err.params as { missingProperty: string }).missingProperty].filter(Boolean).join('/')
    if (err?.keyword === 'additionalProperties') {
      field = [field, (err.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('/')
    }
    const detail =
      err?.keyword === 'additionalProperties' ? 'is not a known setting' : err ? schemaErrorText(err) : 'is invalid'
    throw new StreetsenseError('IOT_EDGE_CONFIG_INVALID', `config field ${field || '(root)'} ${detail}`, field)
  }
  const config = copy as EdgeConfig
  checkKinds(config)
  return Object.freeze(config)
}

// A traffic agent with only air drivers (or the reverse) would publish nothing: say so at start.
function checkKinds(config: EdgeConfig): void {
  const kind = config.sensor.kind
  config.sensors.forEach((s, i) => {
    const air = s.driver === 'sds011' || s.driver === 'pms5003' || s.driver === 'bme280'
    if (kind === 'traffic' && air) {
      throw new StreetsenseError(
        'IOT_EDGE_CONFIG_INVALID',
        `config field sensors/${i}/driver ${s.driver} measures air but sensor/kind is traffic (run a second agent with an air register id)`,
        `sensors/${i}/driver`,
      )
    }
    if (s.driver === 'arduino' && kind === 'air' && !s.no2) {
      throw new StreetsenseError(
        'IOT_EDGE_CONFIG_INVALID',
        `config field sensors/${i}/no2 is required for an air agent`,
        `sensors/${i}/no2`,
      )
    }
    if (s.driver === 'arduino' && kind === 'traffic' && !s.traffic?.length) {
      throw new StreetsenseError(
        'IOT_EDGE_CONFIG_INVALID',
        `config field sensors/${i}/traffic is required for a traffic agent`,
        `sensors/${i}/traffic`,
      )
    }
  })
}

/** Reads and checks a config file (.yaml, .yml or .json). */
export function loadEdgeConfig(path: string): Readonly<EdgeConfig> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new StreetsenseError('IOT_EDGE_CONFIG_UNREADABLE', `cannot read config ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new StreetsenseError(
      'IOT_EDGE_CONFIG_INVALID',
      `config ${path} is not valid YAML/JSON: ${(err as Error).message}`,
    )
  }
  return parseEdgeConfig(parsed)
}

/** Process settings of `streetsense edge run` (the node's own settings live in the config file). */
export const EdgeSettingsSchema = {
  $id: 'streetsense:settings:edge',
  type: 'object',
  additionalProperties: false,
  required: ['config'],
  properties: {
    config: { type: 'string', description: 'path of the node config file (YAML or JSON)', minLength: 1 },
    logLevel: { type: 'string', description: 'log level', default: 'info', enum: ['debug', 'info', 'warn', 'error'] },
  },
} as const satisfies SettingsSchema

export type EdgeSettings = SettingsOf<typeof EdgeSettingsSchema>
