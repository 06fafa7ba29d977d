/**
 * Shared parts of the fault tests: a whole platform of real processes (influxd, `streetsense
 * broker`, `streetsense ingest`), sequenced QoS 1 publishers that remember what was acknowledged,
 * and the check by sensor and seq of what InfluxDB holds.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { expect } from 'vitest'
import type { Reading } from '../../schemas/types.gen.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  type BrokerProcess,
  type IngestProcess,
  type Issued,
  importSensors,
  startBroker,
  startIngest,
  tempDir,
} from '../helpers/processes.js'

export const BOROUGH = 'E09000007'
/** Reading times: one per second from a day ago, so they are past and unique per seq. */
const T0 = Math.floor((Date.now() - 86_400_000) / 1000) * 1000

export function reading(sensor: string, seq: number, borough = BOROUGH): Reading {
  return {
    sensor,
    borough,
    kind: 'air',
    time: new Date(T0 + seq * 1000).toISOString(),
    interval: 60,
    seq,
    values: { pm2_5: 5 + (seq % 20), pm10: 30 + (seq % 7) },
    quality: { grade: 'indicative', status: 'raw' },
  }
}

export interface Platform {
  dir: string
  influx: InfluxServer
  broker: BrokerProcess
  ingest: IngestProcess
  sensors: Record<string, Issued>
  ingestAccount: Issued
  startIngest(args?: string[]): Promise<IngestProcess>
  startBroker(args?: string[], port?: number): Promise<BrokerProcess>
  close(): Promise<void>
}

const BROKER_ARGS = ['--publishes-per-second-per-device', '0', '--connections-per-minute-per-address', '0']

export async function startPlatform(
  sensorIds: string[],
  opts: { ingestArgs?: string[]; brokerArgs?: string[] } = {},
): Promise<Platform> {
  const data = tempDir('ss-fault-')
  const sensors = await importSensors(data.dir, sensorIds, BOROUGH)
  const ingestAccount = await addAccount(data.dir, 'ingest', 'ingest')
  const influx = await startInfluxd()
  const platform: Platform = {
    dir: data.dir,
    influx,
    sensors,
    ingestAccount,
    broker: undefined as unknown as BrokerProcess,
    ingest: undefined as unknown as IngestProcess,
    async startBroker(args = [], port = 0) {
      platform.broker = await startBroker(data.dir, [...BROKER_ARGS, ...(opts.brokerArgs ?? []), ...args], port)
      return platform.broker
    },
    async startIngest(args = []) {
      platform.ingest = await startIngest({
        dataDir: data.dir,
        mqttUrl: platform.broker.url,
        ...ingestAccount,
        influxUrl: influx.url,
        args: ['--flush-interval-ms', '50', ...(opts.ingestArgs ?? []), ...args],
      })
      await subscribed(platform.ingest)
      return platform.ingest
    },
    async close() {
      await platform.ingest?.stop().catch(() => undefined)
      await platform.broker?.stop().catch(() => undefined)
      await influx.stop()
      data.remove()
    },
  }
  await platform.startBroker()
  await platform.startIngest()
  return platform
}

/**
 * Waits until every consumer connection of the ingest has its SUBACK (readiness names them): a
 * reading published before that, on a broker that never saw the ingest, is queued for no one.
 */
export async function subscribed(ingest: IngestProcess): Promise<void> {
  await waitFor(
    async () => {
      const { mqtt } = await readiness(ingest)
      return mqtt.length > 0 && mqtt.every((c) => c.subscribed)
    },
    30_000,
    'ingest subscribed',
  )
}

export interface IngestReadiness {
  ready: boolean
  reasons: string[]
  mqtt: { clientId: string; connected: boolean; subscribed: boolean }[]
}

/** The ingest's /readyz answer (200 or 503 alike). */
export async function readiness(ingest: IngestProcess): Promise<IngestReadiness> {
  return (await (await fetch(`${ingest.opsUrl}/readyz`)).json()) as IngestReadiness
}

/** A device on mqtt.js: persistent session, QoS 1, reconnects; remembers every PUBACKed seq. */
export class SequencedDevice {
  readonly client: MqttClient
  readonly acked = new Set<number>()
  sent = 0
  /** Publishes mqtt.js failed without a PUBACK (connection closed while it replayed its store) and we sent again. */
  retried = 0
  private ended = false

  constructor(
    readonly sensor: string,
    creds: Issued,
    url: string | string[],
    readonly borough = BOROUGH,
  ) {
    const urls = Array.isArray(url) ? url : [url]
    this.client = mqtt.connect(urls[0]!, {
      clientId: sensor,
      username: creds.username,
      password: creds.password,
      protocolVersion: 4,
      clean: false,
      reconnectPeriod: 300,
      connectTimeout: 5000,
      keepalive: 5,
      ...(urls.length > 1 ? { servers: urls.map((u) => ({ host: '127.0.0.1', port: Number(new URL(u).port) })) } : {}),
    })
    this.client.on('error', () => undefined)
  }

  connected(): Promise<void> {
    return waitFor(() => this.client.connected, 20_000, `${this.sensor} connected`)
  }

  /** Publishes seq from..to, paced `perTick` messages per 10 ms, without waiting for PUBACKs. */
  async publish(from: number, to: number, perTick = 10): Promise<void> {
    for (let seq = from; seq <= to; seq++) {
      this.sent++
      this.send(seq)
      if (seq % perTick === 0) await new Promise((r) => setTimeout(r, 10)) // pacing the load, not a wait
    }
  }

  /** Publishes one reading; a publish mqtt.js fails ("Connection closed") is retried, as a device keeps it. */
  private send(seq: number): void {
    const topic = `streetsense/v1/${this.borough}/${this.sensor}/air`
    this.client.publish(topic, JSON.stringify(reading(this.sensor, seq, this.borough)), { qos: 1 }, (err) => {
      if (!err) this.acked.add(seq)
      else if (!this.ended) {
        this.retried++
        setTimeout(() => this.send(seq), 300) // the device's retry delay
      }
    })
  }

  /** Waits until every sent message is acknowledged (or the deadline passes). */
  async settled(timeoutMs = 60_000): Promise<void> {
    await waitFor(() => this.acked.size >= this.sent, timeoutMs, `${this.sensor}: PUBACKs`).catch(() => undefined)
  }

  end(): void {
    this.ended = true
    this.client.end(true)
  }
}

export interface Tally {
  sent: number
  acknowledged: number
  stored: number
  duplicated: number
  lostAcknowledged: number
  /** The first few acknowledged-but-missing readings, as sensor:seq. */
  lostSample: string[]
}

/** Points of each sensor in InfluxDB: seq -> number of points holding it, with their times checked. */
export async function storedSeqs(influx: InfluxServer, sensor: string): Promise<Map<number, number>> {
  const rows = await influx.rows(`SELECT seq FROM air WHERE sensor = '${sensor}'`, 'streetsense').catch(() => [])
  const bySeq = new Map<number, number>()
  for (const row of rows) {
    const seq = row.seq as number
    bySeq.set(seq, (bySeq.get(seq) ?? 0) + 1)
    // the point carries the reading's own time, so a re-delivery overwrites instead of adding
    if (T0 + seq * 1000 !== row.time) throw new Error(`seq ${seq} stored at ${row.time}, expected ${T0 + seq * 1000}`)
  }
  return bySeq
}

/** Waits until every acknowledged reading is in InfluxDB (or the deadline), then counts. */
export async function tally(
  influx: InfluxServer,
  devices: { sensor: string; sent: number; acked: Set<number> }[],
  timeoutMs = 60_000,
): Promise<Tally> {
  const count = async () => {
    let stored = 0
    let duplicated = 0
    let lost = 0
    const lostSample: string[] = []
    for (const d of devices) {
      const bySeq = await storedSeqs(influx, d.sensor)
      stored += bySeq.size
      for (const n of bySeq.values()) duplicated += n - 1
      for (const s of [...d.acked].sort((x, y) => x - y)) {
        if (bySeq.has(s)) continue
        lost++
        if (lostSample.length < 12) lostSample.push(`${d.sensor}:${s}`)
      }
    }
    return { stored, duplicated, lost, lostSample }
  }
  await waitFor(async () => (await count()).lost === 0, timeoutMs, 'acknowledged readings in InfluxDB').catch(
    () => undefined,
  )
  const { stored, duplicated, lost, lostSample } = await count()
  return {
    sent: devices.reduce((n, d) => n + d.sent, 0),
    acknowledged: devices.reduce((n, d) => n + d.acked.size, 0),
    stored,
    duplicated,
    lostAcknowledged: lost,
    lostSample,
  }
}

export function report(name: string, t: Tally, extra = ''): void {
  console.log(
    `FAULT ${name}: sent=${t.sent} acknowledged=${t.acknowledged} stored=${t.stored} duplicated=${t.duplicated} lost_acknowledged=${t.lostAcknowledged}${extra ? ` ${extra}` : ''}${t.lostSample.length ? ` lost_sample=${t.lostSample.join(',')}` : ''}`,
  )
}

/**
 * Lets a fault last `ms`. The length of an outage, a stall or a pause is what these tests set, so
 * this is a fixed wait on purpose, not a wait for something to happen.
 */
export function letFaultLast(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

export function expectNothingLost(t: Tally): void {
  expect(t.lostAcknowledged).toBe(0)
  expect(t.duplicated).toBe(0)
  expect(t.acknowledged).toBeGreaterThan(0)
}
