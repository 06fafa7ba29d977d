/**
 * Issue 14, item 4: public load on the register must not slow device intake. Real processes:
 * `streetsense broker`, `streetsense ingest` and `streetsense register` on one data directory
 * with 200 registered sensors, and a real influxd. One client spends the register's whole rate
 * limit (600 requests a minute) at once on replies that cannot come from its cache (every bbox
 * differs, every reply is a full page of the register), 32 at a time. While that burst is under
 * way, a device posts readings over HTTP and another publishes over MQTT, one after the other,
 * each waiting for its acknowledgement.
 *
 * What is measured is order, not time: the devices get all their acknowledgements while the
 * register still has requests of the burst outstanding, and the ingest's readiness answers
 * meanwhile. With the register rendering on the ingest's event loop (as it did), each device
 * request queued behind the burst and the acknowledgements came after it.
 */
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InfluxServer } from '../helpers/influxd.js'
import { type PlatformProcesses, startPlatformProcesses } from '../helpers/platform-processes.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  type BrokerProcess,
  type IngestProcess,
  type Issued,
  importSensors,
  type RegisterProcess,
  startRegisterProcess,
  tempDir,
} from '../helpers/processes.js'

const CAMDEN = 'E09000007'
const SENSORS = 150
const RATE_LIMIT = 600
const PARALLEL = 32
const DEVICE_READINGS = 30

describe('public load at the rate limit does not slow device intake (real processes)', () => {
  const data = tempDir('ss-load-')
  let platform: PlatformProcesses
  let influx: InfluxServer
  let broker: BrokerProcess
  let ingest: IngestProcess
  let register: RegisterProcess
  let creds: Record<string, Issued>

  beforeAll(async () => {
    const ids = Array.from({ length: SENSORS }, (_, i) => `load-${String(i).padStart(4, '0')}`)
    creds = await importSensors(data.dir, ids, CAMDEN)
    const ingestAccount = await addAccount(data.dir, 'ingest', 'ingest')
    platform = await startPlatformProcesses({
      dataDir: data.dir,
      ingestAccount,
      influxDb: 'load',
      brokerArgs: ['--connections-per-minute-per-address', '0'],
    })
    ;({ influx, broker, ingest } = platform)
    register = await startRegisterProcess({
      dataDir: data.dir,
      influxUrl: influx.url,
      args: ['--rate-limit-per-minute', String(RATE_LIMIT), '--influx-db', 'load'],
    })
  }, 600_000)

  afterAll(async () => {
    await register?.stop()
    await platform?.stop()
    data.remove()
  })

  const reading = (sensor: string, seq: number) =>
    JSON.stringify({
      sensor,
      borough: CAMDEN,
      kind: 'air',
      time: new Date(Math.floor(Date.now() / 1000) * 1000 - 120_000 + seq * 1000).toISOString(),
      interval: 1,
      seq,
      values: { pm2_5: 10 + seq },
    })

  it('keeps acknowledging device readings while the register works through a burst at its rate limit', async () => {
    const httpDevice = creds['load-0001']!
    const mqttDevice = creds['load-0002']!
    const post = (seq: number) =>
      fetch(`${ingest.url}/v1/readings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${httpDevice.password}`,
          'x-sensor': httpDevice.username,
        },
        body: reading(httpDevice.username, seq),
      })
    // Warm up: the first post pays for the password check, the client connects.
    expect((await post(0)).status).toBe(202)
    const publisher = await mqtt.connectAsync(broker.url, {
      clientId: mqttDevice.username,
      ...mqttDevice,
      protocolVersion: 4,
      reconnectPeriod: 0,
    })

    let answered = 0
    const statuses = new Map<number, number>()
    const burst = async () => {
      let next = 0
      const worker = async () => {
        for (let i = next++; i < RATE_LIMIT; i = next++) {
          // A different box each time (all of London): nothing can come from the render cache.
          const bbox = `${(-1 - i / 1e6).toFixed(6)},51,1,52`
          const res = await fetch(`${register.url}/v1/sensors?limit=1000&bbox=${bbox}`)
          await res.arrayBuffer()
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          answered++
        }
      }
      await Promise.all(Array.from({ length: PARALLEL }, worker))
    }
    const burstDone = burst()
    await waitFor(() => answered >= PARALLEL, 60_000, 'the burst under way')

    const answeredAt: { http: number[]; mqtt: number[]; ready: number[] } = { http: [], mqtt: [], ready: [] }
    const viaHttp = async () => {
      for (let seq = 1; seq <= DEVICE_READINGS; seq++) {
        expect((await post(seq)).status).toBe(202)
        answeredAt.http.push(answered)
      }
    }
    const viaMqtt = async () => {
      for (let seq = 1; seq <= DEVICE_READINGS; seq++) {
        const topic = `streetsense/v1/${CAMDEN}/${mqttDevice.username}/air`
        await publisher.publishAsync(topic, reading(mqttDevice.username, seq), { qos: 1 })
        answeredAt.mqtt.push(answered)
      }
    }
    const readiness = async () => {
      expect((await fetch(`${ingest.opsUrl}/readyz`)).status).toBe(200)
      answeredAt.ready.push(answered)
    }
    await Promise.all([viaHttp(), viaMqtt(), readiness()])
    const lastDeviceAck = Math.max(...answeredAt.http, ...answeredAt.mqtt)
    await burstDone
    await publisher.endAsync()

    console.log(
      `public load: ${RATE_LIMIT} register requests (${SENSORS} sensors each, ${PARALLEL} at a time); ` +
        `${DEVICE_READINGS} HTTP and ${DEVICE_READINGS} MQTT readings acknowledged by the time ${lastDeviceAck} ` +
        `of them were answered; readiness answered after ${answeredAt.ready[0]}`,
    )
    // The whole rate limit was spent, and nothing above it: every request was served.
    expect(Object.fromEntries(statuses)).toEqual({ 200: RATE_LIMIT })
    // Every device acknowledgement came while the register still had part of its burst to serve.
    expect(answeredAt.http).toHaveLength(DEVICE_READINGS)
    expect(answeredAt.mqtt).toHaveLength(DEVICE_READINGS)
    expect(lastDeviceAck).toBeLessThan(RATE_LIMIT)
    expect(answeredAt.ready[0]).toBeLessThan(RATE_LIMIT)
    // And the readings were stored: 1 + 30 over HTTP, 30 over MQTT.
    await waitFor(
      async () => {
        const rows = await influx.rows('SELECT count(pm2_5) AS n FROM air', 'load')
        return Number(rows[0]?.n) === 2 * DEVICE_READINGS + 1
      },
      30_000,
      'every acknowledged reading in InfluxDB',
    )
    // Over the limit, the register refuses (429), still without touching intake.
    expect((await fetch(`${register.url}/v1/sensors?limit=1`)).status).toBe(429)
  }, 600_000)
})
