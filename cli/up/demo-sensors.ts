/**
 * The demo's street sensors: registered in the real registry with real credentials, kept in a
 * secrets file (mode 0600) inside the data directory, so a second `streetsense up` reuses them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Registry } from '../../registry/index.js'
import { buildEntry } from '../../registry/index.js'

/** Real London streets, so the demo register reads like a borough's. */
const STREETS: { borough: string; name: string; lon: number; lat: number }[] = [
  { borough: 'E09000007', name: 'Euston Road at Gower Street', lon: -0.1337, lat: 51.5246 },
  { borough: 'E09000012', name: 'Mare Street at Well Street', lon: -0.0553, lat: 51.5413 },
  { borough: 'E09000033', name: 'Marylebone Road at Baker Street', lon: -0.1566, lat: 51.5225 },
  { borough: 'E09000022', name: 'Brixton Road at Acre Lane', lon: -0.1143, lat: 51.4626 },
  { borough: 'E09000028', name: 'Old Kent Road at Dunton Road', lon: -0.0735, lat: 51.4909 },
  { borough: 'E09000019', name: 'Holloway Road at Seven Sisters Road', lon: -0.1135, lat: 51.5525 },
  { borough: 'E09000030', name: 'Commercial Road at Burdett Road', lon: -0.0305, lat: 51.5137 },
  { borough: 'E09000025', name: 'Romford Road at Stratford Broadway', lon: 0.0036, lat: 51.5419 },
  { borough: 'E09000001', name: 'Cheapside at Bread Street', lon: -0.0942, lat: 51.5138 },
  { borough: 'E09000032', name: 'Putney High Street at Lacy Road', lon: -0.2168, lat: 51.4623 },
]

export interface DemoSensor {
  id: string
  borough: string
  kind: 'air' | 'traffic'
  password: string
}

interface Secrets {
  /** The ingest's account (files written before `accounts` existed have only this). */
  ingest?: { username: string; password: string }
  accounts?: Record<string, { username: string; password: string }>
  sensors: Record<string, string>
}

function readSecrets(file: string): Secrets {
  if (!existsSync(file)) return { sensors: {} }
  return JSON.parse(readFileSync(file, 'utf8')) as Secrets
}

function writeSecrets(file: string, secrets: Secrets): void {
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 })
}

/** The ingest's service account: created once, its password rotated if the secrets file was lost. */
export function ensureIngestAccount(registry: Registry, dataDir: string): { username: string; password: string } {
  return ensureServiceAccount(registry, dataDir, 'ingest', 'ingest')
}

/** The live feed's account: a reader, which the broker lets read readings and nothing else. */
export function ensureLiveReaderAccount(registry: Registry, dataDir: string): { username: string; password: string } {
  return ensureServiceAccount(registry, dataDir, 'live-reader', 'reader')
}

function ensureServiceAccount(registry: Registry, dataDir: string, username: string, role: 'ingest' | 'reader') {
  const file = join(dataDir, 'up-secrets.json')
  const secrets = readSecrets(file)
  const known = secrets.accounts?.[username] ?? (username === 'ingest' ? secrets.ingest : undefined)
  if (known && registry.getAccount(username)) return known
  const issued = registry.getAccount(username)
    ? registry.rotateCredentials(username, 'streetsense-up')
    : registry.addAccount({ username, role }, 'streetsense-up')
  if (username === 'ingest') secrets.ingest = issued
  secrets.accounts = { ...secrets.accounts, [username]: issued }
  writeSecrets(file, secrets)
  return issued
}

/** Registers `count` demo sensors (about two air to one traffic) and returns their credentials. */
export function ensureDemoSensors(registry: Registry, dataDir: string, count: number): DemoSensor[] {
  const file = join(dataDir, 'up-secrets.json')
  const secrets = readSecrets(file)
  const sensors: DemoSensor[] = []
  for (let i = 0; i < count; i++) {
    const street = STREETS[i % STREETS.length]!
    const round = Math.floor(i / STREETS.length)
    const kind = i % 3 === 2 ? 'traffic' : 'air'
    const id = `demo-${kind === 'air' ? 'aq' : 'tr'}-${String(i + 1).padStart(3, '0')}`
    let password = secrets.sensors[id]
    if (!registry.getSensor(id)) {
      const entry = buildEntry({
        id,
        borough: street.borough,
        kind,
        // Several sensors on one street stand a few tens of metres apart.
        name: round === 0 ? street.name : `${street.name} (${round + 1})`,
        lon: street.lon + round * 0.0007,
        lat: street.lat + round * 0.0004,
        purpose:
          kind === 'air'
            ? 'Demonstration sensor: measures fine particles, nitrogen dioxide and the weather beside the road, so residents can see how clean the air is.'
            : 'Demonstration sensor: counts people cycling and walking and vehicles by type, so the council can plan safer streets. No images leave the device.',
      })
      password = registry.addSensor(entry as never, 'streetsense-up').password
    } else if (!password) {
      password = registry.rotateCredentials(id, 'streetsense-up').password
    }
    secrets.sensors[id] = password
    sensors.push({ id, borough: street.borough, kind, password })
  }
  writeSecrets(file, secrets)
  return sensors
}
