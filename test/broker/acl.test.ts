import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTopic, deviceDownlinkFilter, readingFilters } from '../../schemas/topics.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  addSensor,
  type BrokerProcess,
  clientTracker,
  closed,
  connect,
  metricValue,
  retireSensor,
  startBrokerProcess,
  subscribeCodes,
  tempDataDir,
} from './broker-process.js'

const CAMDEN = 'E09000007'
const HACKNEY = 'E09000012'

describe('broker authentication and ACL', () => {
  const data = tempDataDir()
  let broker: BrokerProcess
  let url: string
  const pw: Record<string, string> = {}
  const { track, endAll } = clientTracker()

  beforeAll(async () => {
    pw['cam-1'] = addSensor(data.dir, 'cam-1', CAMDEN)
    pw['cam-2'] = addSensor(data.dir, 'cam-2', CAMDEN)
    pw['hack-1'] = addSensor(data.dir, 'hack-1', HACKNEY, 'traffic')
    pw['old-1'] = addSensor(data.dir, 'old-1', CAMDEN)
    retireSensor(data.dir, 'old-1')
    pw.ingest = addAccount(data.dir, 'ingest', 'ingest')
    pw.reader = addAccount(data.dir, 'reader', 'reader')
    pw.camreader = addAccount(data.dir, 'camreader', 'reader', [CAMDEN])
    broker = await startBrokerProcess(data.dir)
    url = `mqtt://127.0.0.1:${broker.ports.mqtt}`
  })
  afterAll(async () => {
    endAll()
    expect(await broker.stop()).toBe(0)
    data.remove()
  })

  const device = (id: string, extra = {}) =>
    connect(url, { clientId: id, username: id, password: pw[id], ...extra }).then(track)

  it('refuses bad logins with the right CONNACK code', async () => {
    const codeOf = (opts: Parameters<typeof connect>[1]) =>
      connect(url, opts).then(
        (c) => {
          c.end(true)
          return 0
        },
        (err: { code?: number }) => err.code,
      )
    expect(await codeOf({ clientId: 'cam-1', username: 'cam-1', password: 'wrong' })).toBe(4)
    expect(await codeOf({ clientId: 'ghost', username: 'ghost', password: 'x' })).toBe(4)
    expect(await codeOf({ clientId: 'cam-1' })).toBe(4)
    expect(await codeOf({ clientId: 'old-1', username: 'old-1', password: pw['old-1'] })).toBe(5)
    expect(await codeOf({ clientId: 'cam-2', username: 'cam-1', password: pw['cam-1'] })).toBe(2)
    expect(await codeOf({ clientId: 'other-ingest', username: 'ingest', password: pw.ingest })).toBe(2)
    // A service account: its username, or <username>/<suffix>; a mere prefix is not enough.
    expect(await codeOf({ clientId: 'ingest-shard-3', username: 'ingest', password: pw.ingest })).toBe(2)
    expect(await codeOf({ clientId: 'ingest/shard-3', username: 'ingest', password: pw.ingest })).toBe(0)
    expect(await codeOf({ clientId: 'ingest', username: 'ingest', password: pw.ingest })).toBe(0)
    expect(await codeOf({ clientId: 'cam-1/x', username: 'cam-1', password: pw['cam-1'] })).toBe(2)
    expect(await codeOf({ clientId: 'cam-1', username: 'cam-1', password: pw['cam-1'], protocolVersion: 5 })).toBe(1)
    expect(
      await metricValue(broker.ports.metrics, 'streetsense_broker_refusals_total', 'reason="bad_credentials"'),
    ).toBe(3)
    expect(
      await metricValue(broker.ports.metrics, 'streetsense_broker_refusals_total', 'reason="account_disabled"'),
    ).toBe(1)
    expect(await metricValue(broker.ports.metrics, 'streetsense_broker_refusals_total', 'reason="bad_client_id"')).toBe(
      4,
    )
  })

  it('delivers a device reading to the ingest, and an error back to the device', async () => {
    const ingest = track(await connect(url, { clientId: 'ingest/a', username: 'ingest', password: pw.ingest }))
    await ingest.subscribeAsync(readingFilters(), { qos: 1 })
    const cam = await device('cam-1')
    const granted = await cam.subscribeAsync(deviceDownlinkFilter(CAMDEN, 'cam-1'), { qos: 1 })
    expect(granted[0]?.qos).toBe(1)
    const got = new Promise<[string, string]>((resolve) => ingest.once('message', (t, p) => resolve([t, p.toString()])))
    await cam.publishAsync(buildTopic(CAMDEN, 'cam-1', 'air'), '{"n":1}', { qos: 1 })
    expect(await got).toEqual([buildTopic(CAMDEN, 'cam-1', 'air'), '{"n":1}'])
    const back = new Promise<string>((resolve) => cam.once('message', (t) => resolve(t)))
    await ingest.publishAsync(buildTopic(CAMDEN, 'cam-1', 'errors'), '{"code":"x"}', { qos: 1 })
    expect(await back).toBe(buildTopic(CAMDEN, 'cam-1', 'errors'))
  })

  it('closes a device that publishes to another device, another borough or a downlink topic', async () => {
    const watcher = track(await connect(url, { clientId: 'ingest/w', username: 'ingest', password: pw.ingest }))
    await watcher.subscribeAsync('streetsense/v1/#', { qos: 1 })
    const seen: string[] = []
    watcher.on('message', (t) => seen.push(t))
    const before = await metricValue(broker.ports.metrics, 'streetsense_broker_refusals_total', 'reason="publish_acl"')
    const topics = [
      buildTopic(CAMDEN, 'cam-2', 'air'),
      buildTopic(HACKNEY, 'cam-1', 'air'),
      buildTopic(CAMDEN, 'cam-1', 'cmd'),
      'streetsense/v1/E09000007/cam-1/air/extra',
      '$SYS/anything',
    ]
    for (const topic of topics) {
      const cam = await device('cam-1')
      cam.publish(topic, 'x', { qos: 1 })
      await closed(cam)
    }
    // a legitimate reading afterwards is the only thing the watcher sees
    const ok = await device('cam-1')
    await ok.publishAsync(buildTopic(CAMDEN, 'cam-1', 'status'), '{}', { qos: 1 })
    // Deliveries to the watcher keep the broker's order: once the last message is there, any
    // refused one would have arrived before it.
    await waitFor(() => seen.length > 0, 10_000, 'the legitimate reading at the watcher')
    expect(seen).toEqual([buildTopic(CAMDEN, 'cam-1', 'status')])
    const after = await metricValue(broker.ports.metrics, 'streetsense_broker_refusals_total', 'reason="publish_acl"')
    expect(after - before).toBe(topics.length)
    expect(broker.output()).toContain(
      '"sensor":"cam-1","clientId":"cam-1","topic":"streetsense/v1/E09000007/cam-2/air"',
    )
  })

  it('grants only allowed subscriptions (SUBACK 0x80 otherwise, connection kept)', async () => {
    const cam = await device('cam-2')
    const g = await subscribeCodes(cam, [
      deviceDownlinkFilter(CAMDEN, 'cam-1'),
      '#',
      buildTopic(CAMDEN, 'cam-2', 'cmd'),
      readingFilters()[0]!,
    ])
    expect(g).toEqual([128, 128, 1, 128])
    expect(cam.connected).toBe(true)

    const reader = track(await connect(url, { clientId: 'reader/1', username: 'reader', password: pw.reader }))
    const r = await subscribeCodes(
      reader,
      [
        ...readingFilters([], ['air']),
        'streetsense/v1/#',
        deviceDownlinkFilter(CAMDEN, 'cam-1'),
        '$share/g/streetsense/v1/+/+/air',
        '$SYS/#',
      ],
      1,
    )
    expect(r).toEqual([1, 128, 128, 128, 128])

    const camreader = track(
      await connect(url, { clientId: 'camreader', username: 'camreader', password: pw.camreader }),
    )
    const c = await subscribeCodes(
      camreader,
      [...readingFilters([CAMDEN]), ...readingFilters([HACKNEY]), readingFilters()[0]!],
      0,
    )
    expect(c).toEqual([0, 0, 0, 128, 128, 128, 128])

    // a reader may not publish at all
    reader.publish(buildTopic(CAMDEN, 'cam-1', 'errors'), 'x', { qos: 1 })
    await closed(reader)
  })

  it('serves /healthz and Prometheus metrics', async () => {
    const health = await (await fetch(`http://127.0.0.1:${broker.ports.metrics}/healthz`)).json()
    expect(health).toMatchObject({ status: 'ok', persistence: 'memory' })
    expect(await metricValue(broker.ports.metrics, 'streetsense_broker_publishes_in_total', 'qos="1"')).toBeGreaterThan(
      0,
    )
    expect(await metricValue(broker.ports.metrics, 'streetsense_broker_publishes_out_total')).toBeGreaterThan(0)
  })
})
