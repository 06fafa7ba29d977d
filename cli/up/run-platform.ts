/**
 * `streetsense up`: InfluxDB, the broker, the ingest with the register and API, and a fleet of
 * simulated street sensors, all real parts, on this machine. Service logs go to a file in the
 * data directory; the terminal gets a short progress display and the URLs. runPlatform is a
 * pipeline of steps; each step records how to stop what it started, and a failed step stops
 * everything started before it, last first.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type Logger, pino } from 'pino'
import { type BrokerSettings, BrokerSettingsSchema, startBroker } from '../../broker/index.js'
import { loadSettings } from '../../core/index.js'
import { startSimulatedFleet } from '../../edge/index.js'
import { ingestConfig, startIngest } from '../../ingest/index.js'
import { mqttLiveSource } from '../../register/index.js'
import { openRegistry, type Registry } from '../../registry/index.js'
import { mountRegister } from '../wiring/mount-register.js'
import { type DemoSensor, ensureDemoSensors, ensureIngestAccount, ensureLiveReaderAccount } from './demo-sensors.js'
import { startLocalInfluxd } from './local-influxd.js'
import type { UpSettings } from './up-settings.js'

export interface RunningPlatform {
  urls: { register: string; api: string; docs: string; metrics: string; mqtt: string; influx: string }
  sensors: number
  logFile: string
  stop(): Promise<void>
}

export type Progress = (step: number, total: number, what: string) => void

/** What the steps share: the settings, the data directory and its log, and the stops so far. */
interface Platform {
  settings: UpSettings
  dataDir: string
  logFile: string
  log: Logger
  stops: (() => Promise<void> | void)[]
}

export async function runPlatform(settings: UpSettings, progress: Progress): Promise<RunningPlatform> {
  const p = openPlatform(settings)
  const stop = () => stopPlatform(p)
  const total = 6
  try {
    progress(1, total, settings.influxUrl ? `using InfluxDB at ${settings.influxUrl}` : 'starting InfluxDB')
    const influxUrl = await startInflux(p)
    progress(2, total, `registering ${settings.sensors} simulated street sensors`)
    const { registry, ingestAccount, liveAccount, sensors } = registerDemo(p)
    progress(3, total, 'starting the MQTT broker')
    const mqttPort = await startPlatformBroker(p, registry)
    progress(4, total, 'starting the ingest, the register and the open data API')
    const httpUrl = await startPlatformIngest(p, { registry, ingestAccount, liveAccount, mqttPort, influxUrl })
    progress(5, total, `starting ${sensors.length} simulated street sensors`)
    if (sensors.length > 0) {
      await startFleet(p, mqttPort, sensors)
      progress(6, total, 'waiting for the first readings to be stored')
      await waitForFirstReadings(p, influxUrl)
    } else {
      progress(6, total, 'no simulated sensors requested')
    }
    return {
      urls: platformUrls(settings, httpUrl, mqttPort, influxUrl),
      sensors: sensors.length,
      logFile: p.logFile,
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

function openPlatform(settings: UpSettings): Platform {
  const dataDir = resolve(settings.dataDir)
  mkdirSync(dataDir, { recursive: true })
  const logFile = join(dataDir, 'platform.log')
  const log = pino(
    { name: 'streetsense', level: process.env.STREETSENSE_LOG_LEVEL ?? 'info' },
    pino.destination({ dest: logFile, sync: false }),
  )
  return { settings, dataDir, logFile, log, stops: [] }
}

/** Stops what was started, last first; a stop that fails is logged and the rest still run. */
async function stopPlatform({ stops, log }: Platform): Promise<void> {
  for (const s of stops.reverse()) await Promise.resolve(s()).catch((err: Error) => log.error({ err }, 'stop failed'))
  stops.length = 0
}

/** The InfluxDB the settings name, or a local influxd in the data directory. */
async function startInflux(p: Platform): Promise<string> {
  if (p.settings.influxUrl) return p.settings.influxUrl
  const local = await startLocalInfluxd(p.dataDir, p.settings.influxPort)
  p.stops.push(() => local.stop())
  return local.url
}

/** The registry in the data directory with the ingest's account and the demo sensors (made once, reused). */
function registerDemo(p: Platform) {
  const registry: Registry = openRegistry(p.dataDir)
  p.stops.push(() => registry.close())
  const ingestAccount = ensureIngestAccount(registry, p.dataDir)
  const liveAccount = ensureLiveReaderAccount(registry, p.dataDir)
  const sensors = ensureDemoSensors(registry, p.dataDir, p.settings.sensors)
  return { registry, ingestAccount, liveAccount, sensors }
}

/** Returns the broker's MQTT port. */
async function startPlatformBroker(p: Platform, registry: Registry): Promise<number | undefined> {
  const brokerSettings: BrokerSettings = {
    ...loadSettings<BrokerSettings>(BrokerSettingsSchema, {}, {}),
    dataDir: p.dataDir,
    host: p.settings.host,
    port: p.settings.mqttPort,
    metricsPort: p.settings.brokerMetricsPort,
  }
  const broker = await startBroker(brokerSettings, { log: p.log.child({ stage: 'broker' }), registry })
  p.stops.push(() => broker.close())
  return broker.ports.mqtt
}

interface IngestParts {
  registry: Registry
  ingestAccount: { username: string; password: string }
  liveAccount: { username: string; password: string }
  mqttPort: number | undefined
  influxUrl: string
}

/** The ingest with the register and the open data API on its HTTP port; returns that port's URL. */
async function startPlatformIngest(p: Platform, parts: IngestParts) {
  const { registry, ingestAccount, liveAccount, mqttPort, influxUrl } = parts
  const { settings } = p
  const v2 = settings.influxOrg !== undefined
  const ingestSettings = ingestConfig({
    dataDir: p.dataDir,
    mqttUrl: localMqttUrl(mqttPort),
    mqttUsername: ingestAccount.username,
    mqttPassword: ingestAccount.password,
    httpHost: settings.host,
    httpPort: settings.httpPort,
    influxUrl,
    influxDb: settings.influxDb,
    ...(v2
      ? { influxOrg: settings.influxOrg, influxBucket: settings.influxDb, influxToken: settings.influxToken }
      : {}),
    flushIntervalMs: 500,
  })
  const ingest = await startIngest(ingestSettings, {
    log: p.log.child({ stage: 'ingest' }),
    registry,
    mount: mountRegister(ingestSettings, {
      source: mqttLiveSource({ url: localMqttUrl(mqttPort), ...liveAccount, log: p.log.child({ stage: 'live' }) }),
    }),
  })
  p.stops.push(() => ingest.close())
  return `http://${settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host}:${ingest.port}`
}

const localMqttUrl = (port: number | undefined) => `mqtt://127.0.0.1:${port}`

async function startFleet(p: Platform, mqttPort: number | undefined, sensors: DemoSensor[]): Promise<void> {
  const fleet = await startSimulatedFleet({
    brokerUrl: localMqttUrl(mqttPort),
    count: sensors.length,
    dataDir: join(p.dataDir, 'edge'),
    logger: p.log.child({ stage: 'edge' }),
    credentials: sensors,
    publishIntervalSeconds: p.settings.sensorInterval,
    statusIntervalSeconds: 60,
    // The simulated nodes share this machine's clock with the ingest, so their times agree by construction.
    clock: async () => ({ synced: true, source: 'host', detail: 'simulated node on the platform host' }),
  })
  p.stops.push(() => fleet.stop())
}

async function waitForFirstReadings({ settings, logFile }: Platform, influxUrl: string): Promise<void> {
  const deadline = Date.now() + Math.max(120_000, settings.sensorInterval * 3000)
  while ((await storedReadings(influxUrl, settings.influxDb, settings.influxToken).catch(() => 0)) === 0) {
    if (Date.now() > deadline) throw new Error(`no reading was stored in time: see ${logFile}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

async function storedReadings(influxUrl: string, db: string, token?: string): Promise<number> {
  const params = new URLSearchParams({ db, q: 'SELECT count(seq) FROM air; SELECT count(seq) FROM traffic' })
  const res = await fetch(`${influxUrl}/query?${params}`, token ? { headers: { Authorization: `Token ${token}` } } : {})
  if (!res.ok) return 0
  const body = (await res.json()) as { results: { series?: { values: [string, number][] }[] }[] }
  return body.results.reduce((n, r) => n + (r.series?.[0]?.values[0]?.[1] ?? 0), 0)
}

function platformUrls(
  settings: UpSettings,
  httpUrl: string,
  mqttPort: number | undefined,
  influxUrl: string,
): RunningPlatform['urls'] {
  return {
    register: `${httpUrl}/`,
    api: `${httpUrl}/v1/sensors`,
    docs: `${httpUrl}/docs`,
    metrics: `${httpUrl}/metrics`,
    mqtt: `mqtt://${settings.host}:${mqttPort}`,
    influx: influxUrl,
  }
}
