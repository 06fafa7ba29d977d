/**
 * What a config command may change on a node, and how it is laid over the node's own config
 * file. Only these settings: the publish and heartbeat intervals, the broker URL (on the same
 * host, or a host the node's own file lists in remoteConfig.brokerHosts) and keepalive, and per
 * sensor (named by its `name`, else its driver) whether it runs, an SDS011's working period and
 * an Arduino's NO2 calibration constants. Never credentials, paths, keys or the sensor identity:
 * those stay in the file an engineer wrote on site. The result is checked against the full node
 * config schema (config.ts) before anything is applied.
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import { StreetsenseError } from '../../core/index.js'
import { type EdgeConfig, parseEdgeConfig } from '../config.js'

const calibration = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    weElectronicZeroMv: { type: 'number' },
    aeElectronicZeroMv: { type: 'number' },
    weSensitivityNaPerPpm: { type: 'number' },
    gainMvPerNa: { type: 'number' },
    defaultTemperatureC: { type: 'number' },
  },
} as const

export const remoteSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    publishIntervalSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
    statusIntervalSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
    broker: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        url: { type: 'string', pattern: '^(mqtts?|tcp|tls|wss?)://', maxLength: 256 },
        keepaliveSeconds: { type: 'integer', minimum: 5, maximum: 3600 },
      },
    },
    sensors: {
      type: 'object',
      maxProperties: 20,
      propertyNames: { pattern: '^[A-Za-z0-9._ -]{1,64}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          enabled: { type: 'boolean' },
          workingPeriodMinutes: { type: 'integer', minimum: 0, maximum: 30 },
          no2: {
            type: 'object',
            additionalProperties: false,
            required: ['calibration'],
            properties: { calibration },
          },
        },
      },
    },
  },
} as const

export interface RemoteSettings {
  publishIntervalSeconds?: number
  statusIntervalSeconds?: number
  broker?: { url?: string; keepaliveSeconds?: number }
  sensors?: Record<
    string,
    { enabled?: boolean; workingPeriodMinutes?: number; no2?: { calibration: Record<string, number> } }
  >
}

const ajv = new Ajv2020({ allErrors: false, strict: false })
const validate = ajv.compile<RemoteSettings>(remoteSettingsSchema)

const refuse = (message: string, field: string) => new StreetsenseError('IOT_EDGE_CONFIG_REFUSED', message, field)

export function checkRemoteSettings(value: unknown): asserts value is RemoteSettings {
  if (validate(value)) return
  const e = validate.errors?.[0]
  const extra =
    e?.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : ''
  const path = `settings${e?.instancePath ?? ''}${extra ? `/${extra}` : ''}`
  const what = extra ? 'may not be changed remotely' : (e?.message ?? 'is invalid')
  throw refuse(`${path} ${what}`, path)
}

/** Later settings win, key by key (a sensor's calibration constants one by one). */
export function mergeSettings(a: RemoteSettings, b: RemoteSettings): RemoteSettings {
  const sensors = { ...a.sensors }
  for (const [name, s] of Object.entries(b.sensors ?? {})) {
    const before = sensors[name] ?? {}
    const calibration = { ...before.no2?.calibration, ...s.no2?.calibration }
    sensors[name] = { ...before, ...s, ...(before.no2 || s.no2 ? { no2: { calibration } } : {}) }
  }
  return {
    ...a,
    ...b,
    ...(a.broker || b.broker ? { broker: { ...a.broker, ...b.broker } } : {}),
    ...(Object.keys(sensors).length ? { sensors } : {}),
  }
}

type MutableSensor = Record<string, unknown> & {
  driver: string
  name?: string
  no2?: { calibration: Record<string, number> }
}

function sensorIndex(sensors: MutableSensor[], key: string): number {
  const matches = sensors.flatMap((s, i) => ((s.name ?? s.driver) === key ? [i] : []))
  if (matches.length === 0) {
    const known = sensors.map((s) => s.name ?? s.driver).join(', ')
    throw refuse(`no sensor ${key} on this node (sensors: ${known})`, `settings/sensors/${key}`)
  }
  if (matches.length > 1) {
    throw refuse(
      `${key} names ${matches.length} sensors: give them names in the node config`,
      `settings/sensors/${key}`,
    )
  }
  return matches[0]!
}

function applySensor(s: MutableSensor, key: string, patch: NonNullable<RemoteSettings['sensors']>[string]): void {
  const field = `settings/sensors/${key}`
  if (patch.enabled !== undefined) s.enabled = patch.enabled
  if (patch.workingPeriodMinutes !== undefined) {
    if (s.driver !== 'sds011') throw refuse(`${key} is a ${s.driver}: only an sds011 has a working period`, field)
    s.workingPeriodMinutes = patch.workingPeriodMinutes
  }
  if (patch.no2) {
    if (!s.no2) throw refuse(`${key} has no NO2 channel to calibrate`, field)
    s.no2 = { ...s.no2, calibration: { ...s.no2.calibration, ...patch.no2.calibration } }
  }
}

function checkBrokerHost(base: EdgeConfig, url: string): void {
  const host = (u: string) => {
    try {
      return new URL(u).hostname
    } catch {
      throw refuse(`broker url ${u} is not a URL`, 'settings/broker/url')
    }
  }
  const allowed = [host(base.broker.url), ...base.remoteConfig.brokerHosts]
  if (!allowed.includes(host(url))) {
    throw refuse(`broker url ${url}: host not allowed (allowed: ${allowed.join(', ')})`, 'settings/broker/url')
  }
}

/** The node's own config with the remote settings laid over it, checked against the node config schema. */
export function withRemoteSettings(base: EdgeConfig, settings: RemoteSettings): EdgeConfig {
  const next = structuredClone(base) as EdgeConfig & { sensors: MutableSensor[] }
  if (settings.publishIntervalSeconds !== undefined) next.publishIntervalSeconds = settings.publishIntervalSeconds
  if (settings.statusIntervalSeconds !== undefined) next.statusIntervalSeconds = settings.statusIntervalSeconds
  if (settings.broker?.url !== undefined) {
    checkBrokerHost(base, settings.broker.url)
    next.broker.url = settings.broker.url
  }
  if (settings.broker?.keepaliveSeconds !== undefined) next.broker.keepaliveSeconds = settings.broker.keepaliveSeconds
  for (const [key, patch] of Object.entries(settings.sensors ?? {})) {
    applySensor(next.sensors[sensorIndex(next.sensors, key)]!, key, patch)
  }
  try {
    return parseEdgeConfig(next) as EdgeConfig
  } catch (err) {
    const e = err as StreetsenseError
    throw refuse(`the node config schema refuses the result: ${e.message}`, e.field ?? 'settings')
  }
}
