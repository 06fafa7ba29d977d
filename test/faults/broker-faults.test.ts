/**
 * Broker faults, against real processes: a restart of a broker with Redis persistence (Debian
 * redis-server, AOF fsync always) while the ingest is offline; one of two clustered brokers killed
 * mid-stream; and, for the record, kill -9 of a broker with the default memory persistence (the
 * case the design cannot guarantee: Aedes PUBACKs before it stores or delivers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/ports.js'
import { type RedisServer, startRedis } from '../helpers/processes.js'
import { letFaultLast, type Platform, report, SequencedDevice, startPlatform, tally } from './fault-kit.js'

describe('faults: broker restarts and crashes', () => {
  let redis: RedisServer
  let p: Platform
  const devices: SequencedDevice[] = []

  beforeAll(async () => {
    redis = await startRedis()
    p = await startPlatform(['rr-1', 'rr-2', 'rc-1', 'rc-2'], { brokerArgs: ['--redis-url', redis.url] })
  }, 240_000)
  afterAll(async () => {
    for (const d of devices) d.end()
    await p?.close()
    await redis?.stop()
  })

  async function restartWithQueuedMessages(sensor: string, pauseBeforeRestartMs: number) {
    await waitFor(async () => (await fetch(`${p.ingest.opsUrl}/readyz`)).ok, 30_000, 'ingest subscribed')
    await p.ingest.stop() // its persistent session (subscriptions) stays in Redis
    const d = new SequencedDevice(sensor, p.sensors[sensor]!, p.broker.url)
    devices.push(d)
    await d.connected()
    await d.publish(1, 300, 5)
    await d.settled()
    expect(d.acked.size).toBe(300)
    d.end()
    await letFaultLast(pauseBeforeRestartMs) // how long after the last PUBACK the broker restarts
    const port = p.broker.ports.mqtt
    await p.broker.stop() // graceful (SIGTERM)
    await p.startBroker([], port)
    await p.startIngest()
    const t = await tally(p.influx, [d])
    report(`broker restart ${pauseBeforeRestartMs} ms after the last PUBACK, Redis persistence, ingest offline`, t)
    expect(t.lostAcknowledged).toBe(0)
    expect(t.stored).toBe(300)
  }

  it('broker restart with Redis persistence: messages queued for an offline ingest survive', async () => {
    await restartWithQueuedMessages('rr-1', 1000)
  }, 120_000)

  // Regression: Aedes PUBACKs before it writes the packet to the offline subscriber's Redis queue,
  // and close() used to destroy the persistence without waiting for those writes (22 of 300 lost
  // in one run). close() now drains the emitter and pings its Redis connection first; and it waits
  // for publishes Aedes has acknowledged but not finished queueing (4 of 300 lost in a CI run).
  it('broker restart immediately after the last PUBACK loses nothing (Redis persistence)', async () => {
    await restartWithQueuedMessages('rr-2', 0)
  }, 120_000)

  it('one of two clustered brokers killed mid-stream: devices fail over, the loss window is measured', async () => {
    const a = p.broker
    const b = await p.startBroker() // second node, same Redis; p.broker is now b
    await p.ingest.stop()
    await p.startIngest() // the ingest consumes from node b
    const urls = [a.url, b.url]
    const d1 = new SequencedDevice('rc-1', p.sensors['rc-1']!, urls)
    const d2 = new SequencedDevice('rc-2', p.sensors['rc-2']!, urls)
    devices.push(d1, d2)
    await Promise.all([d1.connected(), d2.connected()])
    const sending = Promise.all([d1.publish(1, 600, 5), d2.publish(1, 600, 5)])
    await waitFor(() => d1.acked.size > 150, 30_000, 'publishing via node a')
    await a.kill()
    await sending
    await Promise.all([d1.settled(60_000), d2.settled(60_000)])
    const t = await tally(p.influx, [d1, d2], 30_000)
    report('cluster node kill -9 (Redis)', t)
    // Aedes acknowledges a QoS 1 PUBLISH before it is routed, so a crash can lose what was
    // acknowledged in that instant; this measures it (docs/reliability.md), bounded generously.
    expect(t.duplicated).toBe(0)
    // Measured on the 2-core machine: 75 of 1200 acknowledged readings lost (what node a had
    // acknowledged but not yet written to Redis when it died). Bounded here at 15%.
    expect(t.lostAcknowledged).toBeLessThanOrEqual(180)
    expect(t.acknowledged).toBeGreaterThan(600)
  }, 150_000)
})

describe('faults: broker with memory persistence (loss window, measured)', () => {
  let p: Platform
  const devices: SequencedDevice[] = []
  beforeAll(async () => {
    p = await startPlatform(['mk-1'])
  }, 240_000)
  afterAll(async () => {
    for (const d of devices) d.end()
    await p?.close()
  })

  it('kill -9 of the only broker mid-stream: measures what acknowledged readings are lost', async () => {
    const d = new SequencedDevice('mk-1', p.sensors['mk-1']!, p.broker.url)
    devices.push(d)
    await d.connected()
    const sending = d.publish(1, 600, 5)
    await waitFor(() => d.acked.size > 150, 30_000, 'publishing')
    const port = p.broker.ports.mqtt
    await p.broker.kill()
    await p.startBroker([], port) // same port: device and ingest reconnect by themselves
    await sending
    await d.settled(60_000)
    const t = await tally(p.influx, [d], 30_000)
    report('broker kill -9, memory persistence', t)
    expect(t.duplicated).toBe(0)
    expect(t.acknowledged).toBeGreaterThan(150)
  }, 150_000)
})
