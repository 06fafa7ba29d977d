/**
 * `edge provision`: writes a node config from the register id and credentials a borough issued
 * (`streetsense sensors add --json` prints them once). The JSON may be the entry and credentials
 * side by side or nested; the fields we need are id, borough, kind, and the password.
 */
import { writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import { StreetsenseError } from '../../core/index.js'
import { type EdgeConfig, parseEdgeConfig } from '../config.js'

export interface ProvisionInput {
  sensor?: string
  password?: string
  brokerUrl?: string
  borough?: string
  kind?: string
  dataDir?: string
  driver?: string
  port?: string
}

type Json = Record<string, unknown>
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {})
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined)

/** Pulls id/borough/kind/password out of `sensors add --json` output, however it nests them. */
export function fromSensorsAddJson(value: unknown): ProvisionInput {
  const top = obj(value)
  const entry = obj(top.entry ?? top.sensor ?? top)
  const creds = obj(top.credentials ?? top)
  return {
    sensor: str(entry.id) ?? str(top.id) ?? str(creds.username) ?? str(top.sensor),
    borough: str(entry.borough) ?? str(top.borough),
    kind: str(entry.kind) ?? str(top.kind),
    password: str(creds.password) ?? str(top.password),
    brokerUrl: str(top.brokerUrl) ?? str(top.broker_url) ?? str(obj(top.broker).url),
  }
}

export function buildNodeConfig(input: ProvisionInput): EdgeConfig {
  for (const f of ['sensor', 'password', 'brokerUrl', 'borough', 'kind'] as const) {
    if (!input[f])
      throw new StreetsenseError(
        'IOT_EDGE_PROVISION',
        `missing --${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
        f,
      )
  }
  const kind = input.kind as 'air' | 'traffic'
  const driver = input.driver ?? 'simulated'
  const sensor: Record<string, unknown> = { driver }
  if (driver === 'sds011' || driver === 'pms5003') sensor.port = input.port ?? '/dev/serial0'
  if (driver === 'arduino') {
    sensor.port = input.port ?? '/dev/ttyACM0'
    if (kind === 'traffic') sensor.traffic = [{ pin: 7, class: 'car', input: 'pir' }]
    else
      sensor.no2 = {
        we: 'A0',
        ae: 'A1',
        calibration: { weElectronicZeroMv: 0, aeElectronicZeroMv: 0, weSensitivityNaPerPpm: -400, gainMvPerNa: -0.73 },
      }
  }
  const raw = {
    sensor: { id: input.sensor, borough: input.borough, kind },
    broker: { url: input.brokerUrl, username: input.sensor, password: input.password },
    publishIntervalSeconds: 60,
    dataDir: input.dataDir ?? '/var/lib/streetsense-edge',
    sensors: [sensor],
  }
  try {
    parseEdgeConfig(raw) // same checks as at agent start, so a provisioned file always starts
  } catch (err) {
    throw new StreetsenseError('IOT_EDGE_PROVISION', (err as Error).message, (err as StreetsenseError).field)
  }
  return raw as unknown as EdgeConfig
}

export function writeNodeConfig(path: string, config: EdgeConfig): void {
  const header =
    '# streetsense edge node config (written by `streetsense edge provision`). Keep it readable by the agent only.\n'
  writeFileSync(path, path.endsWith('.json') ? `${JSON.stringify(config, null, 2)}\n` : header + stringify(config), {
    mode: 0o600,
  })
}
