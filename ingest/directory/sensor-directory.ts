/**
 * What the ingest needs to know about sensors and accounts, behind a small interface so the
 * pipeline can be tested without the broker's registry. `registryDirectory` adapts the real
 * registry (registry/); `staticDirectory` serves tests and benchmarks.
 */
import { createHash } from 'node:crypto'

export interface SensorInfo {
  borough: string
  status: string
  kind?: string
}

export interface OperatorAccount {
  username: string
  role: string
  boroughs: string[]
}

export interface SensorDirectory {
  lookup(sensorId: string): SensorInfo | undefined
  /** True when `password` is the current device password of `sensorId`. */
  verifyDevice(sensorId: string, password: string): Promise<boolean>
  /** A service account (role admin or ingest) for operator endpoints, or undefined. */
  verifyAccount(username: string, password: string): Promise<OperatorAccount | undefined>
}

/** The parts of the Registry (registry/) the ingest uses (structural, so either side can evolve). */
export interface RegistryLike {
  getSensor(id: string): { entry: { borough: string; status: string; kind: string } } | undefined
  verify(
    username: string,
    password: string,
  ): Promise<{ username: string; role: string; sensor?: string; boroughs: string[]; disabled: boolean } | undefined>
  /** Registered sensors (the per-device gauges list the active ones). */
  listSensors?(filter: { status: string }): { entry: { id: string; borough: string }; updatedAt: string }[]
}

const LOOKUP_TTL_MS = 5_000

/** Adapts the registry; lookups are cached for 5 s (a retirement takes effect within that). */
export function registryDirectory(registry: RegistryLike, options: { tokenCacheMs: number }): SensorDirectory {
  const lookups = new Map<string, { info: SensorInfo | undefined; until: number }>()
  const tokens = new Map<string, number>()
  return {
    lookup(sensorId) {
      const now = Date.now()
      const hit = lookups.get(sensorId)
      if (hit && hit.until > now) return hit.info
      const record = registry.getSensor(sensorId)
      const info = record
        ? { borough: record.entry.borough, status: record.entry.status, kind: record.entry.kind }
        : undefined
      if (lookups.size > 100_000) lookups.clear()
      lookups.set(sensorId, { info, until: now + LOOKUP_TTL_MS })
      return info
    },
    async verifyDevice(sensorId, password) {
      // scrypt takes tens of ms: a verified (id, password) pair is remembered briefly, by hash only.
      const key = createHash('sha256').update(`${sensorId}\0${password}`).digest('base64')
      const until = tokens.get(key)
      if (until !== undefined && until > Date.now()) return true
      const account = await registry.verify(sensorId, password)
      const ok = account !== undefined && !account.disabled && account.role === 'device' && account.sensor === sensorId
      if (ok && options.tokenCacheMs > 0) {
        if (tokens.size > 100_000) tokens.clear()
        tokens.set(key, Date.now() + options.tokenCacheMs)
      }
      return ok
    },
    async verifyAccount(username, password) {
      const account = await registry.verify(username, password)
      if (!account || account.disabled) return undefined
      return { username: account.username, role: account.role, boroughs: account.boroughs }
    },
  }
}

export interface StaticSensor extends SensorInfo {
  id: string
  password?: string
}

/** An in-memory directory (tests, benchmarks, a standalone ingest without a registry). */
export function staticDirectory(
  sensors: readonly StaticSensor[],
  accounts: readonly (OperatorAccount & { password: string })[] = [],
): SensorDirectory & { add(sensor: StaticSensor): void } {
  const byId = new Map(sensors.map((s) => [s.id, s]))
  // Built once per sensor, not per lookup (a lookup runs for every message).
  const infoOf = (s: StaticSensor): SensorInfo => ({
    borough: s.borough,
    status: s.status,
    ...(s.kind ? { kind: s.kind } : {}),
  })
  const infos = new Map(sensors.map((s) => [s.id, infoOf(s)]))
  return {
    lookup: (id) => infos.get(id),
    verifyDevice: async (id, password) => {
      const s = byId.get(id)
      return s?.password !== undefined && s.password === password && s.status !== 'retired'
    },
    verifyAccount: async (username, password) => {
      const a = accounts.find((x) => x.username === username && x.password === password)
      return a ? { username: a.username, role: a.role, boroughs: a.boroughs } : undefined
    },
    add(sensor) {
      byId.set(sensor.id, sensor)
      infos.set(sensor.id, infoOf(sensor))
    },
  }
}
