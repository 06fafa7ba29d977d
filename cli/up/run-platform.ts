/**
 * `streetsense up`: InfluxDB, the broker, the ingest, the register and API (a process of its
 * own), and a fleet of simulated street sensors, all real parts, on this machine. Service logs go to a file in the
 * data directory; the terminal gets a short progress display and the URLs. runPlatform is a
 * pipeline of steps; each step records how to stop what it started, and a failed step stops
 * everything started before it, last first.
 */
import { join, resolve } from 'node:path'
import { type Logger, pino } from 'pino'
import { type BrokerSettings, BrokerSettingsSchema, type RunningBroker, startBroker } from '../../broker/index.js'
import { loadSettings, privateDir, privateFile } from '../../core/index.js'
import { startSimulatedFleet } from '../../edge/index.js'
import { ingestConfig, type RunningIngest, startIngest } from '../../ingest/index.js'
import { openRegistry, type Registry } from '../../registry/index.js'
import {
  type DemoSensor,
  ensureDemoSensors,
  ensureIngestAccount,
  ensureLiveReaderAccount,
  retireUnusedDemoSensors,
} from './demo-sensors.js'
import { startLocalInfluxd } from './local-influxd.js'
import { checkPortsFree, explainListenError, platformPorts } from './ports.js'
import { type RegisterProcessOptions, startRegisterProcess } from './register-process.js'
import type { UpSettings } from './up-settings.js'

export interface RunningPlatform {
  urls: {
    register: string
    api: string
    docs: string
    intake: string
    metrics: string
    mqtt: string
    brokerMetrics: string
    influx: string
  }
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
  const ports = platformPorts(settings)
  await checkPortsFree(ports)
  const p = openPlatform(settings)
  const stop = () => stopPlatform(p)
  const total = 7
  try {
    progress(1, total, settings.influxUrl ? `using InfluxDB at ${settings.influxUrl}` : 'starting InfluxDB')
    const influxUrl = await startInflux(p)
    progress(2, total, `registering ${settings.sensors} simulated street sensors`)
    const { registry, ingestAccount, liveAccount, sensors, retired } = registerDemo(p)
    if (retired.length > 0) progress(2, total, retiredText(retired, settings.sensors))
    progress(3, total, 'starting the MQTT broker')
    const { mqtt: mqttPort, metrics: brokerMetricsPort } = await startPlatformBroker(p, registry)
    progress(4, total, 'starting the ingest')
    const ingestPorts = await startPlatformIngest(p, { registry, ingestAccount, mqttPort, influxUrl })
    progress(5, total, 'starting the register and the open data API')
    const live = { url: localMqttUrl(mqttPort), ...liveAccount }
    const registerPort = await startPlatformRegister(p, influxUrl, live)
    progress(6, total, `starting ${sensors.length} simulated street sensors`)
    if (sensors.length > 0) {
      await startFleet(p, mqttPort, sensors)
      progress(7, total, 'waiting for the first readings to be stored')
      await waitForFirstReadings(p, influxUrl)
    } else {
      progress(7, total, 'no simulated sensors requested')
    }
    return {
      urls: platformUrls(settings, { registerPort, ...ingestPorts, mqttPort, brokerMetricsPort }, influxUrl),
      sensors: sensors.length,
      logFile: p.logFile,
      stop,
    }
  } catch (err) {
    await stop()
    throw explainListenError(err, ports)
  }
}

function openPlatform(settings: UpSettings): Platform {
  const dataDir = privateDir(resolve(settings.dataDir))
  const logFile = privateFile(join(dataDir, 'platform.log'))
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
  const retired = retireUnusedDemoSensors(registry, p.dataDir, sensors)
  return { registry, ingestAccount, liveAccount, sensors, retired }
}

function retiredText(retired: string[], count: number): string {
  const which = retired.length === 1 ? retired[0] : `${retired[0]} ... ${retired[retired.length - 1]}`
  const n = `${retired.length} demo sensor${retired.length === 1 ? '' : 's'}`
  return `retired ${n} an earlier run made and this one (--sensors ${count}) does not use (${which}); a larger --sensors brings them back`
}

/** Returns the broker's MQTT and metrics ports. */
async function startPlatformBroker(p: Platform, registry: Registry): Promise<RunningBroker['ports']> {
  const brokerSettings: BrokerSettings = {
    ...loadSettings<BrokerSettings>(BrokerSettingsSchema, {}, {}),
    dataDir: p.dataDir,
    host: p.settings.host,
    port: p.settings.mqttPort,
    metricsPort: p.settings.brokerMetricsPort,
  }
  const broker = await startBroker(brokerSettings, { log: p.log.child({ stage: 'broker' }), registry })
  p.stops.push(() => broker.close())
  return broker.ports
}

interface IngestParts {
  registry: Registry
  ingestAccount: { username: string; password: string }
  mqttPort: number | undefined
  influxUrl: string
}

/** The ingest (MQTT and HTTP device intake, operator port); returns its ports. */
async function startPlatformIngest(
  p: Platform,
  { registry, ingestAccount, mqttPort, influxUrl }: IngestParts,
): Promise<{ intakePort: number; opsPort: number }> {
  const { settings } = p
  const v2 = settings.influxOrg !== undefined
  const ingestSettings = ingestConfig({
    dataDir: p.dataDir,
    mqttUrl: localMqttUrl(mqttPort),
    mqttUsername: ingestAccount.username,
    mqttPassword: ingestAccount.password,
    httpHost: settings.host,
    httpPort: settings.intakePort,
    opsHost: '127.0.0.1',
    opsPort: settings.ingestOpsPort,
    influxUrl,
    influxDb: settings.influxDb,
    ...(v2
      ? { influxOrg: settings.influxOrg, influxBucket: settings.influxDb, influxToken: settings.influxToken }
      : {}),
    flushIntervalMs: 500,
  })
  const ingest = await startIngest(ingestSettings, { log: p.log.child({ stage: 'ingest' }), registry })
  p.stops.push(() => ingest.close())
  await untilSubscribed(p, ingest)
  return { intakePort: ingest.port, opsPort: ingest.opsPort }
}

/**
 * Waits (30 s at most) for the broker to grant the ingest's filters: on a first run the broker has
 * no session for it before that, and the first readings of the simulated sensors would be queued
 * for no one (their outboxes and gap repair would get them back, later).
 */
async function untilSubscribed(p: Platform, ingest: RunningIngest): Promise<void> {
  const deadline = Date.now() + 30_000
  const subscribed = () => (ingest.consumers?.describe() ?? []).every((c) => c.subscribed)
  while (!subscribed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  if (!subscribed()) p.log.warn({ readiness: ingest.readiness() }, 'the ingest is not subscribed yet; going on')
}

/** `streetsense register` as a child process on the public port; returns the port. */
async function startPlatformRegister(
  { settings, dataDir, logFile, stops }: Platform,
  influxUrl: string,
  live: RegisterProcessOptions['live'],
) {
  const register = await startRegisterProcess({
    live,
    dataDir,
    host: settings.host,
    port: settings.httpPort,
    influxUrl,
    influxDb: settings.influxDb,
    ...(settings.influxOrg !== undefined ? { influxOrg: settings.influxOrg, influxToken: settings.influxToken } : {}),
    logFile,
  })
  stops.push(() => register.stop())
  return register.port
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

interface PlatformPorts {
  registerPort: number
  intakePort: number
  opsPort: number
  mqttPort: number | undefined
  brokerMetricsPort: number | undefined
}

function platformUrls(settings: UpSettings, ports: PlatformPorts, influxUrl: string): RunningPlatform['urls'] {
  const host = settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host
  const httpUrl = `http://${host}:${ports.registerPort}`
  return {
    register: `${httpUrl}/`,
    api: `${httpUrl}/v1/sensors`,
    docs: `${httpUrl}/docs`,
    intake: `http://${host}:${ports.intakePort}/v1/readings`,
    metrics: `http://127.0.0.1:${ports.opsPort}/metrics`,
    mqtt: `mqtt://${settings.host}:${ports.mqttPort}`,
    brokerMetrics: `http://127.0.0.1:${ports.brokerMetricsPort}/metrics`,
    influx: influxUrl,
  }
}
