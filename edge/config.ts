/**
 * The agent config file: read once at start (YAML or JSON), checked against edgeConfigSchema with
 * ajv (defaults filled in), frozen and passed down. A bad file stops the agent with
 * IOT_EDGE_CONFIG_INVALID naming the field, e.g. `sensors/0/port`.
 */
import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { parse as parseYaml } from 'yaml'
import type { SettingsSchema } from '../core/index.js'
import { StreetsenseError } from '../core/index.js'
import type { TrafficCounts } from '../schemas/index.js'
import { edgeConfigSchema } from './config-schema.js'

export type TrafficClass = keyof TrafficCounts
export type PinName = string | number

export interface Sds011Config {
  driver: 'sds011'
  name?: string
  port: string
  workingPeriodMinutes: number
  sleepOnStop: boolean
}
export interface Pms5003Config {
  driver: 'pms5003'
  name?: string
  port: string
  sleepOnStop: boolean
}
export interface Bme280Config {
  driver: 'bme280'
  name?: string
  bus: number
  address: number
  sampleSeconds: number
}
export interface No2Calibration {
  weElectronicZeroMv: number
  aeElectronicZeroMv: number
  weSensitivityNaPerPpm: number
  gainMvPerNa: number
  defaultTemperatureC: number
}
export interface TrafficInputConfig {
  pin: PinName
  class: TrafficClass
  input: 'pulse' | 'pir' | 'beam'
  activeLow: boolean
}
export interface ArduinoConfig {
  driver: 'arduino'
  name?: string
  port: string
  no2?: { we: PinName; ae: PinName; vrefMv: number; sampleMs: number; calibration: No2Calibration }
  traffic?: TrafficInputConfig[]
}
export interface SimulatedConfig {
  driver: 'simulated'
  name?: string
  seed: number
  sampleMs: number
  site: 'roadside' | 'background'
}
export type SensorConfig = Sds011Config | Pms5003Config | Bme280Config | ArduinoConfig | SimulatedConfig

export interface EdgeConfig {
  sensor: { id: string; borough: string; kind: 'air' | 'traffic'; grade: 'reference' | 'indicative' | 'citizen' }
  broker: {
    url: string
    username?: string
    password?: string
    clientId?: string
    tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean }
    keepaliveSeconds: number
    reconnectMinMs: number
    reconnectMaxMs: number
  }
  publishIntervalSeconds: number
  statusIntervalSeconds: number
  dataDir: string
  /** The updater's update-state.json, read for the heartbeat's `update`. */
  updateStateFile: string
  outbox: { maxRows: number; maxAgeHours: number; inFlight: number; batchSize: number; keepSent: number }
  sensors: SensorConfig[]
}

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
    const detail = err?.keyword === 'additionalProperties' ? 'is not a known setting' : (err?.message ?? 'is invalid')
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
export const EdgeSettingsSchema: SettingsSchema = {
  $id: 'streetsense:settings:edge',
  type: 'object',
  additionalProperties: false,
  required: ['config'],
  properties: {
    config: { type: 'string', description: 'Path of the node config file (YAML or JSON)', minLength: 1 },
    logLevel: { type: 'string', description: 'Log level', default: 'info', enum: ['debug', 'info', 'warn', 'error'] },
  },
}
