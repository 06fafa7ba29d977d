/** Register entries, seeded readings (line protocol of the InfluxDB data model in docs/ingest.md) and an app runner for the register tests. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { type OpenDataPluginOptions, openDataPlugin } from '../../register/plugin.js'
import { openRegistry, type Registry } from '../../registry/registry.js'
import type { RegisterEntry } from '../../schemas/types.gen.js'
import type { InfluxServer } from '../helpers/influxd.js'

const example = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../schemas/examples/valid/${name}`, import.meta.url), 'utf8')) as RegisterEntry

export const CAMDEN_AIR = example('register-entry-air.json') // camden-aq-0042, open
export const HACKNEY_TRAFFIC = example('register-entry-traffic-pseudonymised.json') // hackney-tr-0007, open
export const WESTMINSTER_RESTRICTED: RegisterEntry = {
  ...CAMDEN_AIR,
  id: 'westminster-aq-0001',
  borough: 'E09000033',
  name: 'Marylebone Road at Baker Street',
  location: { type: 'Point', coordinates: [-0.1571, 51.5226] },
  address: 'Marylebone Road, London NW1',
  operator: { name: 'Westminster City Council', email: 'air@westminster.gov.uk' },
  sharing: 'restricted',
}
export const CAMDEN_RETIRED: RegisterEntry = {
  ...CAMDEN_AIR,
  id: 'camden-aq-0099',
  name: 'Kentish Town Road at Castle Road',
  location: { type: 'Point', coordinates: [-0.1421, 51.5467] },
  address: 'Kentish Town Road, London NW5',
  status: 'retired',
}
export const ENTRIES = [CAMDEN_AIR, HACKNEY_TRAFFIC, WESTMINSTER_RESTRICTED, CAMDEN_RETIRED]

export const AIR_INTERVAL_MS = 300_000
const TRAFFIC_INTERVAL_MS = 900_000
/** Sequence numbers the seeded air sensor "lost" (inside the last 24 h). */
const AIR_GAPS = [5, 6, 40]

export interface SeededAir {
  sensor: string
  time: number
  seq: number
  values: Record<string, number>
}
export interface SeededTraffic extends SeededAir {
  lane: string
  direction: string
}

function airSeries(sensor: string, now0: number, hours = 26): SeededAir[] {
  const n = (hours * 3_600_000) / AIR_INTERVAL_MS
  const out: SeededAir[] = []
  for (let i = 0; i < n; i++) {
    if (AIR_GAPS.includes(i)) continue
    const pm2_5 = 8 + (i % 7) * 2.5
    out.push({
      sensor,
      time: now0 - i * AIR_INTERVAL_MS,
      seq: 10_000 - i,
      values: {
        pm1: pm2_5 / 2,
        pm2_5,
        pm10: pm2_5 * 1.6,
        no2: 30 + (i % 5) * 10,
        o3: 40 + (i % 3) * 5,
        temperature: 12 + (i % 4),
        relative_humidity: 60 + (i % 3),
        pressure: 1012,
      },
    })
  }
  return out
}

function trafficSeries(sensor: string, now0: number, hours = 26): SeededTraffic[] {
  const n = (hours * 3_600_000) / TRAFFIC_INTERVAL_MS
  const out: SeededTraffic[] = []
  for (let i = 0; i < n; i++) {
    for (const [lane, direction] of [
      ['1', 'forward'],
      ['2', 'backward'],
    ] as const) {
      const car = 10 + (i % 4) + Number(lane)
      const pedal_cycle = 3 + (i % 3)
      const bus_coach = 1
      out.push({
        sensor,
        lane,
        direction,
        time: now0 - i * TRAFFIC_INTERVAL_MS,
        seq: 2 * (5000 - i) + Number(lane),
        values: {
          car,
          pedal_cycle,
          bus_coach,
          pedestrian: 20 + (i % 2),
          total_vehicles: car + pedal_cycle + bus_coach,
          mean_speed: 28 + (i % 5),
          occupancy: 0.125,
        },
      })
    }
  }
  return out
}

const INT_FIELDS = new Set([
  'car',
  'pedal_cycle',
  'bus_coach',
  'pedestrian',
  'total_vehicles',
  'motorcycle',
  'lgv',
  'hgv',
])

export function airLine(r: SeededAir, borough: string): string {
  const fields = Object.entries(r.values).map(([k, v]) => `${k}=${v}`)
  return `air,sensor=${r.sensor},borough=${borough},grade=indicative ${fields.join(',')},seq=${r.seq}i,interval=300i,suspect=false ${r.time}`
}

function trafficLine(r: SeededTraffic, borough: string): string {
  const fields = Object.entries(r.values).map(([k, v]) => `${k}=${v}${INT_FIELDS.has(k) ? 'i' : ''}`)
  return `traffic,sensor=${r.sensor},borough=${borough},lane=${r.lane},direction=${r.direction} ${fields.join(',')},seq=${r.seq}i,interval=900i,suspect=false ${r.time}`
}

export interface Seeded {
  now0: number
  air: SeededAir[]
  restricted: SeededAir[]
  traffic: SeededTraffic[]
}

export async function seedInflux(influx: InfluxServer, db: string, now0: number): Promise<Seeded> {
  await influx.createDatabase(db)
  const air = airSeries(CAMDEN_AIR.id, now0)
  const restricted = airSeries(WESTMINSTER_RESTRICTED.id, now0, 2)
  const traffic = trafficSeries(HACKNEY_TRAFFIC.id, now0)
  const lines = [
    ...air.map((r) => airLine(r, CAMDEN_AIR.borough)),
    ...restricted.map((r) => airLine(r, WESTMINSTER_RESTRICTED.borough)),
    ...traffic.map((r) => trafficLine(r, HACKNEY_TRAFFIC.borough)),
  ]
  await influx.write(db, lines.join('\n'), 'ms')
  return { now0, air, restricted, traffic }
}

export interface RegisterApp {
  url: string
  app: FastifyInstance
  registry: Registry
  dataDir: string
  close(): Promise<void>
}

/** The plugin on its own Fastify instance (with @fastify/swagger, as the ingest app has), on a loopback port. */
export async function startRegisterApp(
  influx: InfluxServer,
  db: string,
  options: Partial<OpenDataPluginOptions> & {
    seedRegister?: boolean
    /** Runs on the registry before the plugin starts (accounts, a broker); returns more plugin options. */
    prepare?: (registry: Registry, dataDir: string) => Promise<Partial<OpenDataPluginOptions>>
  } = {},
): Promise<RegisterApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'streetsense-register-'))
  const registry = openRegistry(dataDir)
  if (options.seedRegister !== false) for (const e of ENTRIES) registry.addSensor(e, 'test')
  const { prepare, seedRegister: _, ...pluginOptions } = options
  const prepared = prepare ? await prepare(registry, dataDir) : {}
  const app = Fastify({ logger: false })
  await app.register(swagger, { openapi: { info: { title: 'streetsense', version: '1' } } })
  await app.register(openDataPlugin, {
    registry,
    influx: { url: influx.url, db },
    log: pino({ level: 'silent' }),
    rateLimit: { max: 100_000 },
    ...pluginOptions,
    ...prepared,
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    url,
    app,
    registry,
    dataDir,
    async close() {
      await app.close()
      registry.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A response's text, and its JSON when it is JSON (undefined otherwise). */
export async function bodyOf(res: Response): Promise<{ text: string; json: unknown }> {
  const text = await res.text()
  try {
    return { text, json: JSON.parse(text) }
  } catch {
    return { text, json: undefined }
  }
}
