/**
 * MQTT fuzzing of the real `streetsense broker` process: random bytes, truncated packets, oversized
 * remaining lengths, packets before CONNECT, out-of-order packets, slow clients that never read,
 * and 2,000 connections from one address. Throughout, a well-behaved device stays connected and
 * publishes sequenced readings that its subscriber must all receive; after every phase /healthz
 * answers and the broker's RSS stays under a generous bound.
 */
import { randomBytes } from 'node:crypto'
import { type Socket, connect as tcpConnect } from 'node:net'
import fc from 'fast-check'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/ports.js'
import { addAccount, addSensor, type BrokerProcess, type Issued, startBroker, tempDir } from '../helpers/processes.js'
import {
  connackPacket,
  connectPacket,
  disconnectPacket,
  pingreqPacket,
  pool,
  pubackPacket,
  publishPacket,
  pubrecPacket,
  pubrelPacket,
  rawExchange,
  remainingLength,
  subackPacket,
  subscribePacket,
} from './mqtt-packets.js'

const CAMDEN = 'E09000007'
const SUBACK = 0x90 // the fixed header's first byte of a SUBACK
const TOPIC = `streetsense/v1/${CAMDEN}/steady-1/air`
const RSS_BOUND_KB = 400 * 1024

function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4, ...opts })
    client.once('connect', () => resolve(client))
    client.once('error', reject)
  })
}

describe('MQTT fuzzing of the real broker', () => {
  const data = tempDir('ss-mqttfuzz-')
  let broker: BrokerProcess
  let device: MqttClient
  let subscriber: MqttClient
  let creds: Record<string, Issued> = {}
  const received = new Set<number>()
  let seq = 0
  const tried: Record<string, number> = {}
  let maxRssKb = 0

  /** The well-behaved device publishes a few readings; all must reach the subscriber. */
  async function steadyStillWorks(n = 5): Promise<void> {
    const sent: number[] = []
    for (let i = 0; i < n; i++) {
      const s = ++seq
      await device.publishAsync(TOPIC, JSON.stringify({ seq: s }), { qos: 1 })
      sent.push(s)
    }
    await waitFor(() => sent.every((s) => received.has(s)), 15_000, 'steady readings').catch(() => undefined)
    expect(sent.filter((s) => !received.has(s))).toEqual([]) // names the missing ones
    expect(await broker.healthy()).toBe(true)
    const rss = broker.rssKb()
    maxRssKb = Math.max(maxRssKb, rss)
    expect(rss).toBeLessThan(RSS_BOUND_KB)
  }

  beforeAll(async () => {
    creds = {
      steady: await addSensor(data.dir, 'steady-1', CAMDEN),
      ingest: await addAccount(data.dir, 'ingest', 'ingest'),
      reader: await addAccount(data.dir, 'reader', 'reader'),
    }
    broker = await startBroker(data.dir, ['--drain-timeout-ms', '2000', '--max-packet-bytes', '65536'])
    subscriber = await connect(broker.url, { clientId: 'ingest/fuzz', ...creds.ingest })
    await subscriber.subscribeAsync('streetsense/v1/+/+/air', { qos: 1 })
    subscriber.on('message', (_t, payload) => {
      try {
        received.add((JSON.parse(payload.toString()) as { seq: number }).seq)
      } catch {
        // not ours
      }
    })
    device = await connect(broker.url, { clientId: 'steady-1', ...creds.steady })
    await steadyStillWorks()
  })
  afterAll(async () => {
    device?.end(true)
    subscriber?.end(true)
    await broker?.stop()
    data.remove()
    console.log(
      `MQTT fuzz cases: ${Object.entries(tried)
        .map(([k, v]) => `${k}=${v}`)
        .join(
          ' ',
        )}; steady readings ${seq} sent, ${received.size} received; broker max RSS ${Math.round(maxRssKb / 1024)} MB`,
    )
  })

  it('survives random bytes', async () => {
    const cases = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 2048 }), 300)
    await pool(
      cases.map((bytes) => () => rawExchange(broker.ports.mqtt, [Buffer.from(bytes)], 150)),
      50,
    )
    tried.randomBytes = cases.length
    await steadyStillWorks()
  })

  it('survives truncated packets', async () => {
    const valid = [
      connectPacket('steady-1', 'steady-1', creds.steady!.password),
      connectPacket('x', 'x', 'y'),
      publishPacket(TOPIC, '{"seq":-1}'),
      subscribePacket('streetsense/v1/#'),
    ]
    const cases = fc.sample(
      fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([p, cut]) => p.subarray(0, cut % p.length)),
      300,
    )
    await pool(
      cases.map((bytes) => () => rawExchange(broker.ports.mqtt, [bytes], 150)),
      50,
    )
    tried.truncated = cases.length
    await steadyStillWorks()
  })

  it('closes connections announcing oversized packets without buffering them', async () => {
    const before = broker.rssKb()
    const results = await pool(
      Array.from({ length: 20 }, (_, i) => () => {
        const announced = [100_000, 10_000_000, 268_435_455][i % 3]!
        const header = Buffer.concat([Buffer.from([i % 2 ? 0x30 : 0x10]), remainingLength(announced)])
        // the header, then 256 kB of body in 16 kB chunks: the broker must hang up early
        return rawExchange(
          broker.ports.mqtt,
          [header, ...Array.from({ length: 16 }, () => randomBytes(16_384))],
          2000,
          5,
        )
      }),
      10,
    )
    expect(results.filter((r) => !r.closedByBroker)).toEqual([])
    tried.oversized = results.length
    expect(broker.rssKb() - before).toBeLessThan(100 * 1024)
    await steadyStillWorks()
  })

  it('closes connections that send other packets before CONNECT', async () => {
    const first = [
      publishPacket(TOPIC, '{"seq":-2}'),
      subscribePacket('#'),
      pingreqPacket(),
      pubackPacket(1),
      pubrelPacket(1),
      disconnectPacket(),
      connackPacket(),
      subackPacket(1),
    ]
    const results = await pool(
      Array.from({ length: 80 }, (_, i) => () => rawExchange(broker.ports.mqtt, [first[i % first.length]!], 2000)),
      40,
    )
    tried.beforeConnect = results.length
    // DISCONNECT, CONNACK-from-client etc.: whatever the packet, the broker ends the connection
    expect(results.filter((r) => !r.closedByBroker)).toEqual([])
    await steadyStillWorks()
  })

  it('survives out-of-order packets after a valid CONNECT', async () => {
    const login = connectPacket('reader/ooo', 'reader', creds.reader!.password)
    const odd = [
      [pubackPacket(77)],
      [pubrecPacket(5), pubrelPacket(5)],
      [connackPacket()],
      [subackPacket(3)],
      [connectPacket('reader/ooo2', 'reader', creds.reader!.password)], // second CONNECT
      [publishPacket(TOPIC, '{"seq":-3}', 2, 9), pubrelPacket(9)], // QoS 2 from a reader (no publish rights)
      [pubrelPacket(65535), pubrelPacket(0)],
    ]
    const results = await pool(
      Array.from(
        { length: 49 },
        (_, i) => () => rawExchange(broker.ports.mqtt, [login, ...odd[i % odd.length]!], 500, 20),
      ),
      10,
    )
    tried.outOfOrder = results.length
    // nothing a reader sends may reach the readings subscriber
    await steadyStillWorks()
    expect(received.has(-3)).toBe(false)
    expect(received.has(-1)).toBe(false)
    expect(received.has(-2)).toBe(false)
  })

  it('keeps delivering while slow subscribers never read', async () => {
    const slow: Socket[] = []
    for (let i = 0; i < 3; i++) {
      const socket = tcpConnect(broker.ports.mqtt, '127.0.0.1')
      await new Promise<void>((r) => socket.once('connect', () => r()))
      let subacked = false
      const onData = (d: Buffer) => {
        subacked ||= d.includes(SUBACK)
      }
      socket.on('data', onData)
      socket.write(connectPacket(`reader/slow-${i}`, 'reader', creds.reader!.password))
      socket.write(subscribePacket('streetsense/v1/+/+/air', 1))
      await waitFor(() => subacked, 10_000, 'SUBACK')
      socket.off('data', onData)
      socket.pause() // never read again: the broker's writes to it back up
      slow.push(socket)
    }
    // big readings so the slow sockets' buffers fill
    const big = 'x'.repeat(30_000)
    for (let i = 0; i < 100; i++) {
      const s = ++seq
      await device.publishAsync(TOPIC, JSON.stringify({ seq: s, pad: big }), { qos: 1 })
    }
    tried.slowSubscribers = slow.length
    await steadyStillWorks(20)
    for (const s of slow) s.destroy()
  })

  it('stays up under 2,000 connections from one address', async () => {
    const sockets: Socket[] = []
    const open = (withConnect: boolean, i: number) =>
      new Promise<void>((resolve) => {
        const s = tcpConnect(broker.ports.mqtt, '127.0.0.1')
        sockets.push(s)
        s.on('error', () => resolve())
        s.on('close', () => resolve())
        s.on('connect', () => {
          if (withConnect) s.write(connectPacket(`flood-${i}`, `flood-${i}`, 'nope'))
          resolve()
        })
      })
    await pool(
      Array.from({ length: 2000 }, (_, i) => () => open(i % 2 === 0, i)),
      200,
    )
    tried.floodConnections = sockets.length
    await steadyStillWorks()
    const metrics = await (await fetch(`http://127.0.0.1:${broker.ports.metrics}/metrics`)).text()
    const rate = /streetsense_broker_refusals_total\{reason="connection_rate"\} (\d+)/.exec(metrics)
    // the per-address connection rate (default 120/min) refused most of the CONNECTs
    expect(Number(rate?.[1] ?? 0)).toBeGreaterThan(500)
    for (const s of sockets) s.destroy()
    await steadyStillWorks()
  })
})
