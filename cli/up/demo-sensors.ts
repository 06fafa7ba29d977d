/**
 * The demo's street sensors: registered in the real registry with real credentials, kept in a
 * secrets file (mode 0600) inside the data directory, so a second `streetsense up` reuses them.
 * Only sensors this file made (ids `demo-aq-NNN` / `demo-tr-NNN` in the secrets file) are ever
 * moved, reactivated or retired here; a sensor an operator registered is never touched.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Registry } from '../../registry/index.js'
import { buildEntry } from '../../registry/index.js'
import type { RegisterEntry } from '../../schemas/index.js'
import { type DemoSite, demoSite } from './demo-sites.js'

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

const ACTOR = 'streetsense-up'
const DEMO_ID = /^demo-(aq|tr)-\d{3,}$/

function readSecrets(file: string): Secrets {
  if (!existsSync(file)) return { sensors: {} }
  return JSON.parse(readFileSync(file, 'utf8')) as Secrets
}

function writeSecrets(file: string, secrets: Secrets): void {
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 })
}

const secretsFile = (dataDir: string) => join(dataDir, 'up-secrets.json')

/** The ingest's service account: created once, its password rotated if the secrets file was lost. */
export function ensureIngestAccount(registry: Registry, dataDir: string): { username: string; password: string } {
  return ensureServiceAccount(registry, dataDir, 'ingest', 'ingest')
}

/** The live feed's account: a reader, which the broker lets read readings and nothing else. */
export function ensureLiveReaderAccount(registry: Registry, dataDir: string): { username: string; password: string } {
  return ensureServiceAccount(registry, dataDir, 'live-reader', 'reader')
}

function ensureServiceAccount(registry: Registry, dataDir: string, username: string, role: 'ingest' | 'reader') {
  const file = secretsFile(dataDir)
  const secrets = readSecrets(file)
  const known = secrets.accounts?.[username] ?? (username === 'ingest' ? secrets.ingest : undefined)
  if (known && registry.getAccount(username)) return known
  const issued = registry.getAccount(username)
    ? registry.rotateCredentials(username, ACTOR)
    : registry.addAccount({ username, role }, ACTOR)
  if (username === 'ingest') secrets.ingest = issued
  secrets.accounts = { ...secrets.accounts, [username]: issued }
  writeSecrets(file, secrets)
  return issued
}

const demoId = (i: number, kind: 'air' | 'traffic') =>
  `demo-${kind === 'air' ? 'aq' : 'tr'}-${String(i + 1).padStart(3, '0')}`

function demoEntry(id: string, kind: 'air' | 'traffic', site: DemoSite): RegisterEntry {
  return buildEntry({
    id,
    borough: site.borough,
    kind,
    name: site.name,
    lon: site.lon,
    lat: site.lat,
    purpose:
      kind === 'air'
        ? 'Demonstration sensor: measures fine particles, nitrogen dioxide and the weather beside the road, so residents can see how clean the air is.'
        : 'Demonstration sensor: counts people cycling and walking and vehicles by type, so the council can plan safer streets. No images leave the device.',
  }) as unknown as RegisterEntry
}

/**
 * A demo sensor made by an earlier run, brought up to date: the current site (the layout may have
 * changed since) and active again if a smaller run retired it. Unchanged entries are left alone.
 */
function refreshDemoSensor(registry: Registry, current: RegisterEntry, wanted: RegisterEntry): void {
  const moved =
    current.name !== wanted.name ||
    current.borough !== wanted.borough ||
    JSON.stringify(current.location) !== JSON.stringify(wanted.location)
  if (!moved && current.status === 'active') return
  registry.updateSensor(
    { ...current, name: wanted.name, borough: wanted.borough, location: wanted.location, status: 'active' },
    ACTOR,
  )
}

/** Registers `count` demo sensors (about two air to one traffic) and returns their credentials. */
export function ensureDemoSensors(registry: Registry, dataDir: string, count: number): DemoSensor[] {
  const file = secretsFile(dataDir)
  const secrets = readSecrets(file)
  const sensors: DemoSensor[] = []
  for (let i = 0; i < count; i++) {
    const site = demoSite(i)
    const { kind } = site
    const id = demoId(i, kind)
    const wanted = demoEntry(id, kind, site)
    const existing = registry.getSensor(id)
    let password = secrets.sensors[id]
    if (!existing) password = registry.addSensor(wanted, ACTOR).password
    else if (password) refreshDemoSensor(registry, existing.entry, wanted)
    else password = registry.rotateCredentials(id, ACTOR).password
    secrets.sensors[id] = password
    sensors.push({ id, borough: wanted.borough, kind, password })
  }
  writeSecrets(file, secrets)
  return sensors
}

/**
 * Retires the demo sensors an earlier run made that this run does not use (`--sensors 500` once,
 * then the default 30): they would otherwise stay "active" on the register without a word. Their
 * entries stay public, as every retired sensor's does; a later run that uses them reactivates them.
 */
export function retireUnusedDemoSensors(registry: Registry, dataDir: string, used: DemoSensor[]): string[] {
  const keep = new Set(used.map((s) => s.id))
  const made = Object.keys(readSecrets(secretsFile(dataDir)).sensors).filter((id) => DEMO_ID.test(id) && !keep.has(id))
  const retired: string[] = []
  for (const id of made.sort()) {
    const record = registry.getSensor(id)
    if (!record || record.entry.status === 'retired') continue
    registry.retireSensor(id, ACTOR)
    retired.push(id)
  }
  return retired
}
