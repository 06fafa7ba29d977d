/**
 * Flow test: the live feed end to end. Devices publish to the real streetsense broker (registry
 * authentication and ACL); the register subscribes with a reader account and serves Server-Sent
 * Events to HTTP clients: filters, open data only, checks, replay with Last-Event-ID, a bound on
 * clients and the drop of a client that does not read.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerSettings, BrokerSettingsSchema, type RunningBroker, startBroker } from '../../broker/index.js'
import { loadSettings } from '../../core/index.js'
import { mqttLiveSource } from '../../register/live/mqtt-source.js'
import { launchChromium } from '../helpers/chromium.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { BULK_ENTRIES, CAMDEN, HACKNEY } from './bulk-fixtures.js'
import { type RegisterApp, startRegisterApp } from './fixtures.js'
import { openSse, type SseStream } from './sse.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON event bodies under test
type Json = any

const log = pino({ level: 'silent' })
const SLOW_CLIENT = fileURLToPath(new URL('./slow-sse-client.py', import.meta.url))
let influx: InfluxServer
let broker: RunningBroker
let reg: RegisterApp
const devices = new Map<string, MqttClient>()
const streams: SseStream[] = []
let seq = 1

const OPEN = 'camden-b-air-1'
const OTHER = 'camden-b-air-3'
const CLOSED = 'camden-b-air-5'
const TRAFFIC = 'camden-b-tr-1'
const ELSEWHERE = 'hackney-b-air-1'

function airReading(sensor: string, extra: Json = {}) {
  const time = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString()
  return {
    sensor,
    borough: CAMDEN,
    kind: 'air',
    time,
    interval: 60,
    seq: seq++,
    values: { pm2_5: 9.87, no2: 31 },
    ...extra,
  }
}

async function publish(sensor: string, body: unknown, channel = 'air'): Promise<void> {
  const borough = BULK_ENTRIES.find((e) => e.id === sensor)!.borough
  await devices
    .get(sensor)!
    .publishAsync(`streetsense/v1/${borough}/${sensor}/${channel}`, JSON.stringify(body), { qos: 1 })
}

async function sse(query: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const s = await openSse(`${reg.url}/v1/live?${query}`, headers)
  streams.push(s)
  return s
}

const readings = (s: SseStream) => s.events.filter((e) => e.event === 'reading').map((e) => JSON.parse(e.data))
const seqsOf = (s: SseStream) => readings(s).map((r: Json) => r.seq)

beforeAll(async () => {
  influx = await startInfluxd()
  await influx.createDatabase('streetsense')
  reg = await startRegisterApp(influx, 'streetsense', {
    seedRegister: false,
    prepare: async (registry, dataDir) => {
      const passwords = new Map(BULK_ENTRIES.map((e) => [e.id, registry.addSensor(e, 'test').password]))
      const reader = registry.addAccount({ username: 'live-reader', role: 'reader' }, 'test')
      const settings: BrokerSettings = {
        ...loadSettings<BrokerSettings>(BrokerSettingsSchema, {}, {}),
        dataDir,
        host: '127.0.0.1',
        port: await freePort(),
        metricsPort: await freePort(),
      }
      broker = await startBroker(settings, { log, registry })
      const url = `mqtt://127.0.0.1:${broker.ports.mqtt}`
      for (const id of [OPEN, OTHER, CLOSED, TRAFFIC, ELSEWHERE]) {
        devices.set(id, await mqtt.connectAsync(url, { clientId: id, username: id, password: passwords.get(id) }))
      }
      const source = mqttLiveSource({ url, username: reader.username, password: reader.password, log })
      const limits = { maxClients: 6, maxClientsPerAddress: 6, maxBufferedBytes: 96 * 1024, replayEvents: 100 }
      return { live: { source, limits }, liveRefreshSeconds: 1 }
    },
  })
  // The feed subscribes in the background: wait until a reading gets through.
  const probe = await sse(`sensor=${OPEN}`)
  await waitFor(
    async () => {
      await publish(OPEN, airReading(OPEN))
      return readings(probe).length > 0
    },
    30_000,
    'the live feed to subscribe',
  )
  probe.close()
})

afterAll(async () => {
  for (const s of streams) s.close()
  for (const d of devices.values()) await d.endAsync(true)
  await reg?.close()
  await broker?.close()
  await influx?.stop()
})

describe('GET /v1/live', () => {
  it('sends new readings of the open sensors of the borough asked, in the bulk history shape', async () => {
    const all = await sse(`borough=${CAMDEN}`)
    const hackney = await sse(`borough=${HACKNEY}`)
    expect(all.status).toBe(200)
    expect(all.headers['content-type']).toMatch(/^text\/event-stream/)
    await publish(CLOSED, airReading(CLOSED))
    const first = airReading(OPEN)
    await publish(OPEN, first)
    const elsewhere = airReading(ELSEWHERE, { borough: HACKNEY })
    await publish(ELSEWHERE, elsewhere)
    const last = airReading(OTHER)
    await publish(OTHER, last)
    await waitFor(() => seqsOf(all).includes(last.seq) && seqsOf(hackney).length > 0, 10_000, 'the readings')
    expect(seqsOf(hackney)).toEqual([elsewhere.seq])
    expect(seqsOf(all)).not.toContain(elsewhere.seq)
    const got = readings(all).find((r: Json) => r.seq === first.seq)
    expect(got).toEqual({
      sensor: OPEN,
      borough: CAMDEN,
      kind: 'air',
      time: first.time,
      interval: 60,
      seq: first.seq,
      status: 'raw',
      suspect: false,
      values: { pm2_5: 9.9, no2: 31 },
    })
    expect(readings(all).some((r: Json) => r.sensor === CLOSED)).toBe(false)
    expect(all.events.every((e) => e.event !== 'reading' || /^[0-9a-f]{8}-\d+$/.test(e.id ?? ''))).toBe(true)
    // The feed holds at most six clients (see limits above): later tests need the room.
    all.close()
    hackney.close()
  })

  it('filters by sensor and kind, and skips messages the store would refuse or that are old', async () => {
    const one = await sse(`sensor=${OTHER}`)
    const traffic = await sse('kind=traffic')
    await publish(OPEN, airReading(OPEN))
    await publish(OTHER, { ...airReading(OTHER), values: { pm2_5: 'high' } })
    await publish(OTHER, airReading(OTHER, { time: '2026-01-01T00:00:00Z' }))
    await publish(OTHER, airReading(OPEN))
    const counts = { counts: { car: 4, pedal_cycle: 1 }, lane: 2, direction: 'forward' }
    const t = { ...airReading(TRAFFIC), kind: 'traffic', values: counts }
    await publish(TRAFFIC, t, 'traffic')
    const mark = airReading(OTHER)
    await publish(OTHER, mark)
    await waitFor(() => seqsOf(one).includes(mark.seq) && seqsOf(traffic).includes(t.seq), 10_000, 'the readings')
    expect(seqsOf(one)).toEqual([mark.seq])
    expect(readings(traffic)).toHaveLength(1)
    expect(readings(traffic)[0]).toMatchObject({
      lane: '2',
      direction: 'forward',
      values: { car: 4, total_vehicles: 5 },
    })
  })

  it('replays what a client missed after Last-Event-ID, and says when it cannot', async () => {
    const s = await sse(`sensor=${OPEN}`)
    const a = airReading(OPEN)
    await publish(OPEN, a)
    await waitFor(() => seqsOf(s).includes(a.seq), 10_000, 'the first reading')
    const lastId = s.events.find((e) => e.event === 'reading')!.id!
    s.close()
    const published = async () => (await (await fetch(`${reg.url}/v1/live/status`)).json()).published
    const before = await published()
    const missed = [airReading(OPEN), airReading(OPEN)]
    for (const r of missed) await publish(OPEN, r)
    await waitFor(async () => (await published()) >= before + 2, 10_000, 'the missed readings to pass')
    const back = await sse(`sensor=${OPEN}`, { 'last-event-id': lastId })
    await waitFor(() => seqsOf(back).length >= 2, 10_000, 'the replay')
    expect(seqsOf(back)).toEqual(missed.map((r) => r.seq))
    const stale = await sse(`sensor=${OPEN}`, { 'last-event-id': '00000000-5' })
    await waitFor(() => stale.events.length > 0, 10_000, 'the reset event')
    expect(stale.events[0]).toMatchObject({ event: 'reset' })
    expect(JSON.parse(stale.events[0]!.data)).toMatchObject({ reason: 'events_missed', backfill: '/v1/readings' })
    back.close()
    stale.close()
  })

  it('answers 400, 403 and 404 before streaming', async () => {
    for (const [query, status, code] of [
      ['bogus=1', 400, 'IOT_REGISTER_BAD_PARAM'],
      ['kind=water', 400, 'IOT_REGISTER_BAD_PARAM'],
      [`sensor=${CLOSED}`, 403, 'IOT_REGISTER_DATA_NOT_OPEN'],
      ['sensor=nobody-here', 404, 'IOT_REGISTER_NOT_FOUND'],
    ] as const) {
      const res = await fetch(`${reg.url}/v1/live?${query}`)
      expect(res.status, query).toBe(status)
      expect((await res.json()).code).toBe(code)
    }
  })

  it('updates the sensor page from the feed, without polling', { timeout: 120_000 }, async () => {
    const browser = await launchChromium()
    try {
      const page = await browser.context.newPage()
      const polls: string[] = []
      page.on('request', (r) => {
        if (r.url().includes('/v1/sensors/')) polls.push(r.url())
      })
      await page.goto(`${reg.url}/sensors/${OPEN}`)
      const cell = page.locator('td[data-field="pm2_5"]')
      await waitFor(async () => (await (await fetch(`${reg.url}/v1/live/status`)).json()).clients >= 1, 10_000)
      await expect
        .poll(
          async () => {
            await publish(OPEN, airReading(OPEN, { values: { pm2_5: 42.44, no2: 12 } }))
            return cell.textContent()
          },
          { timeout: 20_000 },
        )
        .toBe('42.4')
      expect(polls).toEqual([])
    } finally {
      await browser.close()
    }
  })

  it('drops a client that does not read, with a final event, and holds no more clients than its bound', async () => {
    for (const s of streams) s.close()
    const status = async () => (await fetch(`${reg.url}/v1/live/status`)).json()
    await waitFor(async () => (await status()).clients === 0, 10_000, 'the closed streams to go')
    // A client that sends its request and then does not read (a small receive buffer).
    const port = new URL(reg.url).port
    const stalled = spawn('python3', [SLOW_CLIENT, '127.0.0.1', port, `/v1/live?sensor=${OPEN}`])
    let stalledText = ''
    stalled.stdout.on('data', (d: Buffer) => {
      stalledText += d.toString()
    })
    await waitFor(() => stalledText.includes('requested'), 10_000, 'the slow client to connect')
    const readers = await Promise.all([1, 2, 3, 4, 5].map(() => sse(`sensor=${OPEN}`)))
    await waitFor(async () => (await status()).clients === 6, 10_000, 'six clients')
    const refused = await fetch(`${reg.url}/v1/live`)
    expect(refused.status).toBe(503)
    expect(await refused.json()).toMatchObject({ code: 'IOT_REGISTER_LIVE_BUSY' })
    // Publish batches until the stalled client's buffers are full and it is dropped.
    let batches = 0
    await waitFor(
      async () => {
        // 200 readings (~26 KB): under the broker's 64 KiB packet limit.
        const readings = Array.from({ length: 200 }, () => airReading(OPEN))
        await publish(OPEN, { readings })
        batches++
        return (await status()).dropped === 1 || batches > 400
      },
      120_000,
      'the stalled client to be dropped',
    )
    expect(batches).toBeLessThanOrEqual(400)
    expect((await status()).clients).toBe(5)
    stalled.stdin.write('read now\n')
    await waitFor(() => stalled.exitCode !== null, 60_000, 'the slow client to read to the end')
    const dropped = stalledText.slice(stalledText.indexOf('event: dropped'))
    expect(dropped).toMatch(/"reason":"slow_consumer"/)
    expect(readers.every((r) => r.events.some((e) => e.event === 'reading'))).toBe(true)
  })
})
