/**
 * The whole platform path for the data-quality flow tests: a real registry, the real ingest (HTTP
 * intake only) and the register on one data directory, as `streetsense up` runs them, and a real
 * influxd. Devices post their readings over HTTP, so every reading goes through the ingest's QC.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { ingestConfig } from '../../ingest/config.js'
import { type RunningIngest, startIngest } from '../../ingest/service.js'
import { type RunningRegister, registerConfig, startRegister } from '../../register/index.js'
import { openRegistry, type Registry } from '../../registry/registry.js'
import type { Reading, RegisterEntry } from '../../schemas/types.gen.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { CAMDEN_AIR } from '../register/fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
export type Json = any

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DB = 'streetsense'

/** A Camden air sensor like the example entry, with its own id, place and grade. */
export function airEntry(id: string, extra: Partial<RegisterEntry> = {}): RegisterEntry {
  return {
    ...CAMDEN_AIR,
    id,
    name: `Test sensor ${id}`,
    measures: ['pm2_5', 'pm10', 'no2', 'temperature', 'relative_humidity'],
    installed: '2026-01-05',
    ...extra,
  }
}

export interface Platform {
  /** The register (pages, open data API, admin API). */
  url: string
  /** The ingest's device intake. */
  intakeUrl: string
  influx: InfluxServer
  registry: Registry
  ingest: RunningIngest
  register: RunningRegister
  dataDir: string
  passwords: Record<string, string>
  admin: string
  close(): Promise<void>
}

export async function startPlatform(entries: RegisterEntry[]): Promise<Platform> {
  const influx = await startInfluxd()
  const dataDir = mkdtempSync(join(tmpdir(), 'streetsense-quality-'))
  const registry = openRegistry(dataDir)
  const passwords = Object.fromEntries(entries.map((e) => [e.id, registry.addSensor(e, 'test').password]))
  const admin = registry.addAccount({ username: 'camden-admin', role: 'admin', boroughs: [CAMDEN_AIR.borough] }, 'test')
  const config = ingestConfig({
    dataDir,
    httpHost: '127.0.0.1',
    httpPort: 0,
    opsPort: 0,
    flushIntervalMs: 20,
    influxUrl: influx.url,
    influxDb: DB,
    instance: `quality-${process.pid}`,
  })
  const logger = pino({ level: 'silent' })
  const ingest = await startIngest(config, { logger, registry, mqtt: false })
  const local = { dataDir, httpHost: '127.0.0.1', httpPort: 0, influxUrl: influx.url, influxDb: DB }
  const register = await startRegister(registerConfig(local), { logger, registry })
  return {
    url: `http://127.0.0.1:${register.port}`,
    intakeUrl: `http://127.0.0.1:${ingest.port}`,
    influx,
    registry,
    ingest,
    register,
    dataDir,
    passwords,
    admin: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`,
    async close() {
      await register.close()
      await ingest.close()
      registry.close()
      await influx.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** An air reading of `sensor` starting at `time` (ms). */
export function reading(
  sensor: string,
  seq: number,
  time: number,
  values: Record<string, number>,
  interval = 60,
): Reading {
  return {
    sensor,
    borough: CAMDEN_AIR.borough,
    kind: 'air',
    time: new Date(time).toISOString(),
    interval,
    seq,
    values,
    quality: { grade: 'indicative', status: 'raw' },
  }
}

/** Posts readings as a device does (batches of up to 500), and waits until InfluxDB holds them all. */
export async function post(p: Platform, sensor: string, readings: Reading[]): Promise<void> {
  for (let i = 0; i < readings.length; i += 500) {
    const res = await fetch(`${p.intakeUrl}/v1/readings`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${p.passwords[sensor]}`,
        'x-sensor': sensor,
      },
      body: JSON.stringify({ readings: readings.slice(i, i + 500) }),
    })
    if (res.status >= 300) throw new Error(`POST /v1/readings: ${res.status} ${await res.text()}`)
  }
  const times = readings.map((r) => Date.parse(r.time))
  const span = `time >= ${Math.min(...times)}ms AND time <= ${Math.max(...times)}ms`
  await waitFor(
    async () => {
      const [row] = await p.influx.rows(`SELECT count("seq") FROM "air" WHERE "sensor" = '${sensor}' AND ${span}`, DB)
      return Number(row?.count ?? 0) >= readings.length
    },
    30_000,
    `InfluxDB to hold ${readings.length} readings of ${sensor}`,
  )
}

export async function getJson(p: Platform, path: string, init?: RequestInit): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${p.url}${path}`, { cache: 'no-store', ...init })
  return { status: res.status, json: await res.json() }
}

export async function postJson(p: Platform, path: string, body: unknown): Promise<{ status: number; json: Json }> {
  return getJson(p, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: p.admin },
    body: JSON.stringify(body),
  })
}

/** A fixed-seed noise source in [-0.5, 0.5), so the series are the same every run. */
export function noise(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31 - 0.5
  }
}

export const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
