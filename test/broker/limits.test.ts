/** Limits of the real `streetsense broker`: packet size, connection cap and rate, publish rate, login throttle. */
import { connect as netConnect } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FixedHeaderScanner } from '../../broker/limits/packet-size-guard.js'
import { buildTopic, readingFilters } from '../../schemas/topics.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  addSensor,
  type BrokerProcess,
  clientTracker,
  closed,
  connect,
  metricValue,
  startBrokerProcess,
  tempDataDir,
} from './broker-process.js'

const CAMDEN = 'E09000007'
const refusals = (b: BrokerProcess, reason: string) =>
  metricValue(b.ports.metrics, 'streetsense_broker_refusals_total', `reason="${reason}"`)

describe('fixed header scanner (unit)', () => {
  it('finds an oversized packet across any chunking', () => {
    // PUBLISH with remaining length 300 (0xAC 0x02), then a PINGREQ
    const packet = Buffer.concat([Buffer.from([0x30, 0xac, 0x02]), Buffer.alloc(300), Buffer.from([0xc0, 0x00])])
    for (const size of [1, 2, 7, 400]) {
      const ok = new FixedHeaderScanner(303)
      const small = new FixedHeaderScanner(302)
      let okResult: number | undefined
      let smallResult: number | undefined
      for (let i = 0; i < packet.length; i += size) {
        okResult ??= ok.scan(packet.subarray(i, i + size))
        smallResult ??= small.scan(packet.subarray(i, i + size))
      }
      expect(okResult).toBeUndefined()
      expect(smallResult).toBe(303)
    }
    expect(new FixedHeaderScanner(1000).scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(-1)
  })
})

describe('broker limits', () => {
  const data = tempDataDir()
  let broker: BrokerProcess
  let url: string
  const pw: Record<string, string> = {}
  const { open, track, endAll } = clientTracker()

  beforeAll(async () => {
    for (const id of ['lim-1', 'lim-2', 'lim-3', 'lim-4']) pw[id] = addSensor(data.dir, id, CAMDEN)
    pw.ingest = addAccount(data.dir, 'ingest', 'ingest')
    broker = await startBrokerProcess(data.dir, [
      '--max-packet-bytes',
      '1024',
      '--max-connections',
      '3',
      '--publishes-per-second-per-device',
      '20',
      '--publish-burst',
      '5',
      '--connections-per-minute-per-address',
      '1000',
    ])
    url = `mqtt://127.0.0.1:${broker.ports.mqtt}`
  })
  // A failed test must not leave its connections counted against the next test's --max-connections.
  afterEach(async () => {
    const live = open.splice(0).filter((c) => c.connected)
    for (const c of live) c.end(true)
    await Promise.all(live.map(closed))
  })
  afterAll(async () => {
    endAll()
    expect(await broker.stop()).toBe(0)
    data.remove()
  })
  const device = (id: string) => connect(url, { clientId: id, username: id, password: pw[id] }).then(track)

  it('closes a connection whose packet exceeds --max-packet-bytes, before it is parsed', async () => {
    const ingest = track(await connect(url, { clientId: 'ingest/a', username: 'ingest', password: pw.ingest }))
    await ingest.subscribeAsync(readingFilters(), { qos: 1 })
    const seen: number[] = []
    ingest.on('message', (_t, p) => seen.push(p.length))
    const cam = await device('lim-1')
    await cam.publishAsync(buildTopic(CAMDEN, 'lim-1', 'air'), Buffer.alloc(900), { qos: 1 })
    cam.publish(buildTopic(CAMDEN, 'lim-1', 'air'), Buffer.alloc(2000), { qos: 1 })
    await closed(cam)
    // A raw socket announcing a 200 MB packet is cut off after its first bytes.
    const cutAfter = await new Promise<number>((resolve) => {
      const socket = netConnect(broker.ports.mqtt!, '127.0.0.1')
      let sent = 0
      socket.on('connect', () => {
        socket.write(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x64])) // CONNECT, remaining length 200 MiB
        const pump = () => {
          while (!socket.destroyed && sent < 50 * 1024 * 1024 && socket.write(Buffer.alloc(64 * 1024))) sent += 65536
        }
        socket.on('drain', pump)
        pump()
      })
      socket.on('error', () => {})
      socket.on('close', () => resolve(sent))
    })
    expect(cutAfter).toBeLessThan(50 * 1024 * 1024)
    // Delivery to the subscriber is asynchronous to the publisher's PUBACK: wait for it, then check
    // that only the small message got through.
    await waitFor(() => seen.length > 0, 10_000, 'the 900-byte message at the subscriber')
    expect(seen).toEqual([900])
    expect(await refusals(broker, 'packet_too_large')).toBe(2)
    ingest.end(true)
    await closed(ingest)
  })

  it('refuses connections beyond --max-connections', async () => {
    const clients = [await device('lim-1'), await device('lim-2'), await device('lim-3')]
    await expect(device('lim-4')).rejects.toThrow()
    expect(await refusals(broker, 'max_connections')).toBe(1)
    for (const c of clients) c.end(true)
    await Promise.all(clients.map(closed))
    // room again once the broker has seen them leave
    await waitFor(
      async () => (await metricValue(broker.ports.metrics, 'streetsense_broker_connections')) < 3,
      10_000,
      'the three connections gone',
    )
    const again = await device('lim-4')
    again.end(true)
  })

  it('delays (does not drop) publishes above the per-device rate', async () => {
    const ingest = track(await connect(url, { clientId: 'ingest/b', username: 'ingest', password: pw.ingest }))
    await ingest.subscribeAsync(readingFilters(), { qos: 1 })
    const got: string[] = []
    ingest.on('message', (_t, p) => got.push(p.toString()))
    const cam = await device('lim-2')
    const sent = Array.from({ length: 25 }, (_, i) => String(i))
    await Promise.all(sent.map((p) => cam.publishAsync(buildTopic(CAMDEN, 'lim-2', 'air'), p, { qos: 1 })))
    await waitFor(() => got.length >= sent.length, 10_000, 'all 25 at the subscriber')
    expect(got).toEqual(sent)
    expect(await metricValue(broker.ports.metrics, 'streetsense_broker_publish_delayed_total')).toBeGreaterThanOrEqual(
      19,
    )
    cam.end(true)
    ingest.end(true)
    await Promise.all([closed(cam), closed(ingest)])
  })
})

describe('broker connection rate and login throttle', () => {
  const data = tempDataDir()
  let broker: BrokerProcess
  let url: string
  let password: string
  beforeAll(async () => {
    password = addSensor(data.dir, 'thr-1', CAMDEN)
    broker = await startBrokerProcess(data.dir, [
      '--connections-per-minute-per-address',
      '6',
      '--failed-login-throttle-count',
      '3',
    ])
    url = `mqtt://127.0.0.1:${broker.ports.mqtt}`
  })
  afterAll(async () => {
    expect(await broker.stop()).toBe(0)
    data.remove()
  })
  const codeOf = (pass: string) =>
    connect(url, { clientId: 'thr-1', username: 'thr-1', password: pass }).then(
      (c) => {
        c.end(true)
        return 0
      },
      (err: { code?: number; message: string }) => err.code ?? err.message,
    )

  it("throttles one username's logins from an address after failed logins, then refuses its connections by rate", async () => {
    expect(await codeOf(password)).toBe(0)
    expect(await codeOf('bad')).toBe(4)
    expect(await codeOf('bad')).toBe(4)
    expect(await codeOf('bad')).toBe(4)
    // even the right password is refused for this username from this address now
    expect(await codeOf(password)).toBe(5)
    expect(await refusals(broker, 'login_throttled')).toBe(1)
    // 6 connections this minute so far; the 7th is cut without CONNACK
    expect(await codeOf(password)).toBe(5)
    expect(await codeOf(password)).toBe('closed before CONNACK')
    expect(await refusals(broker, 'connection_rate')).toBe(1)
  })
})
