/**
 * A device's readings must stay queued for an offline ingest when the device connects twice at
 * once (a reconnect storm), against a real `streetsense broker` on Debian's redis-server. Before
 * the fix (broker/persistence.ts, skipOwnReadings) each reading was also queued for the device,
 * whose own downlink filter matches its up topics, under one shared reference count: both
 * connections cleared their copy, the count reached zero, and the packet the ingest had not yet
 * received was deleted (0 of 5 delivered).
 */
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deviceDownlinkFilter, readingFilters } from '../../schemas/index.js'
import { BOROUGH, reading } from '../faults/fault-kit.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  type BrokerProcess,
  type Issued,
  importSensors,
  type RedisServer,
  startBroker,
  startRedis,
  tempDir,
} from '../helpers/processes.js'

const SENSOR = 'own-1'

function persistent(url: string, clientId: string, creds: Issued): MqttClient {
  const client = mqtt.connect(url, { clientId, clean: false, protocolVersion: 4, reconnectPeriod: 0, ...creds })
  client.on('error', () => undefined)
  return client
}

const connected = (c: MqttClient) => new Promise((resolve) => c.once('connect', resolve))

describe('broker on Redis: a device connecting twice at once', () => {
  const data = tempDir('ss-own-')
  let redis: RedisServer
  let broker: BrokerProcess
  let device: Issued
  let ingest: Issued

  beforeAll(async () => {
    device = (await importSensors(data.dir, [SENSOR], BOROUGH))[SENSOR]!
    ingest = await addAccount(data.dir, 'ingest', 'ingest')
    redis = await startRedis()
    const args = ['--redis-url', redis.url, '--publishes-per-second-per-device', '0']
    broker = await startBroker(data.dir, args)
  }, 60_000)
  afterAll(async () => {
    await broker?.stop()
    await redis?.stop()
    data.remove()
  })

  it('does not delete the readings queued for the offline ingest', async () => {
    const consumer = persistent(broker.url, 'ingest/own', ingest)
    await connected(consumer)
    await consumer.subscribeAsync(readingFilters([BOROUGH]), { qos: 1 })
    await consumer.endAsync() // offline: its session queues what arrives
    const dev = persistent(broker.url, SENSOR, device)
    await connected(dev)
    await dev.subscribeAsync(deviceDownlinkFilter(BOROUGH, SENSOR), { qos: 1 })
    const topic = `streetsense/v1/${BOROUGH}/${SENSOR}/air`
    for (let seq = 1; seq <= 5; seq++) await dev.publishAsync(topic, JSON.stringify(reading(SENSOR, seq)), { qos: 1 })
    await dev.endAsync()
    // Two connections of the device at once, each replaying its session; both must have finished.
    const twice = [persistent(broker.url, SENSOR, device), persistent(broker.url, SENSOR, device)]
    const closed = twice.map((c) => new Promise<void>((resolve) => c.once('close', () => resolve())))
    await Promise.race(closed) // one was taken over by the other
    await waitFor(() => twice.some((c) => c.connected), 10_000, 'the other connected')
    for (const c of twice) c.end(true)
    const back = persistent(broker.url, 'ingest/own', ingest)
    const seqs = new Set<number>()
    back.on('message', (_t, payload) => seqs.add((JSON.parse(payload.toString()) as { seq: number }).seq))
    await connected(back)
    await waitFor(() => seqs.size === 5, 10_000, 'queued readings delivered').catch(() => undefined)
    back.end(true)
    expect([...seqs].sort()).toEqual([1, 2, 3, 4, 5])
  }, 60_000)
})
