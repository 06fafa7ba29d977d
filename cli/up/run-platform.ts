/**
 * `streetsense up`: InfluxDB, the broker, the ingest with the register and API, and a fleet of
 * simulated street sensors, all real parts, on this machine. Service logs go to a file in the
 * data directory; the terminal gets a short progress display and the URLs.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pino } from 'pino'
import { type BrokerSettings, SettingsSchema as BrokerSettingsSchema, startBroker } from '../../broker/index.js'
import { loadSettings } from '../../core/index.js'
import { startSimulatedFleet } from '../../edge/index.js'
import { ingestConfig, startIngest } from '../../ingest/index.js'
import { openRegistry, type Registry } from '../../registry/index.js'
import { mountRegister } from '../wiring/mount-register.js'
import { ensureDemoSensors, ensureIngestAccount } from './demo-sensors.js'
import { startLocalInfluxd } from './local-influxd.js'
import type { UpSettings } from './settings.js'

export interface RunningPlatform {
  urls: { register: string; api: string; docs: string; metrics: string; mqtt: string; influx: string }
  sensors: number
  logFile: string
  stop(): Promise<void>
}

export type Progress = (step: number, total: number, what: string) => void

async function storedReadings(influxUrl: string, db: string, token?: string): Promise<number> {
  const params = new URLSearchParams({ db, q: 'SELECT count(seq) FROM air; SELECT count(seq) FROM traffic' })
  const res = await fetch(`${influxUrl}/query?${params}`, token ? { headers: { Authorization: `Token ${token}` } } : {})
  if (!res.ok) return 0
  const body = (await res.json()) as { results: { series?: { values: [string, number][] }[] }[] }
  return body.results.reduce((n, r) => n + (r.series?.[0]?.values[0]?.[1] ?? 0), 0)
}

export async function runPlatform(settings: UpSettings, progress: Progress): Promise<RunningPlatform> {
  const dataDir = resolve(settings.dataDir)
  mkdirSync(dataDir, { recursive: true })
  const logFile = join(dataDir, 'platform.log')
  const log = pino(
    { name: 'streetsense', level: process.env.STREETSENSE_LOG_LEVEL ?? 'info' },
    pino.destination({ dest: logFile, sync: false }),
  )
  const stops: (() => Promise<void> | void)[] = []
  const stop = async () => {
    for (const s of stops.reverse()) await Promise.resolve(s()).catch((err: Error) => log.error({ err }, 'stop failed'))
    stops.length = 0
  }
  const total = 6
  try {
    progress(1, total, settings.influxUrl ? `using InfluxDB at ${settings.influxUrl}` : 'starting InfluxDB')
    let influxUrl: string
    if (settings.influxUrl) influxUrl = settings.influxUrl
    else {
      const local = await startLocalInfluxd(dataDir, settings.influxPort)
      stops.push(() => local.stop())
      influxUrl = local.url
    }

    progress(2, total, `registering ${settings.sensors} simulated street sensors`)
    const registry: Registry = openRegistry(dataDir)
    stops.push(() => registry.close())
    const ingestAccount = ensureIngestAccount(registry, dataDir)
    const sensors = ensureDemoSensors(registry, dataDir, settings.sensors)

    progress(3, total, 'starting the MQTT broker')
    const brokerSettings: BrokerSettings = {
      ...loadSettings<BrokerSettings>(BrokerSettingsSchema, {}, {}),
      dataDir,
      host: settings.host,
      port: settings.mqttPort,
      metricsPort: settings.brokerMetricsPort,
    }
    const broker = await startBroker(brokerSettings, { log: log.child({ stage: 'broker' }), registry })
    stops.push(() => broker.close())
    const mqttUrl = `mqtt://127.0.0.1:${broker.ports.mqtt}`

    progress(4, total, 'starting the ingest, the register and the open data API')
    const v2 = settings.influxOrg !== undefined
    const ingestSettings = ingestConfig({
      dataDir,
      mqttUrl,
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
      log: log.child({ stage: 'ingest' }),
      registry,
      mount: mountRegister(ingestSettings),
    })
    stops.push(() => ingest.close())
    const httpUrl = `http://${settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host}:${ingest.port}`

    progress(5, total, `starting ${sensors.length} simulated street sensors`)
    if (sensors.length > 0) {
      const fleet = await startSimulatedFleet({
        brokerUrl: mqttUrl,
        count: sensors.length,
        dataDir: join(dataDir, 'edge'),
        logger: log.child({ stage: 'edge' }),
        credentials: sensors,
        publishIntervalSeconds: settings.sensorInterval,
        statusIntervalSeconds: 60,
        // The simulated nodes share this machine's clock with the ingest, so their times agree by construction.
        clock: async () => ({ synced: true, source: 'host', detail: 'simulated node on the platform host' }),
      })
      stops.push(() => fleet.stop())
      progress(6, total, 'waiting for the first readings to be stored')
      const deadline = Date.now() + Math.max(120_000, settings.sensorInterval * 3000)
      while ((await storedReadings(influxUrl, settings.influxDb, settings.influxToken).catch(() => 0)) === 0) {
        if (Date.now() > deadline) throw new Error(`no reading was stored in time: see ${logFile}`)
        await new Promise((r) => setTimeout(r, 500))
      }
    } else {
      progress(6, total, 'no simulated sensors requested')
    }
    return {
      urls: {
        register: `${httpUrl}/`,
        api: `${httpUrl}/v1/sensors`,
        docs: `${httpUrl}/docs`,
        metrics: `${httpUrl}/metrics`,
        mqtt: `mqtt://${settings.host}:${broker.ports.mqtt}`,
        influx: influxUrl,
      },
      sensors: sensors.length,
      logFile,
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
