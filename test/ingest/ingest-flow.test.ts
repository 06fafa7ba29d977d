import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTopic } from '../../schemas/topics.js'
import { validateDeviceError } from '../../schemas/validate.js'
import { startPlainAedes, type TestBroker } from '../helpers/aedes.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { ADMIN, airReading, BASE_TIME, basic, type IngestFixture, startTestIngest } from './fixtures.js'

describe('ingest flow: real Aedes, real influxd, real MQTT and HTTP clients', () => {
  let influx: InfluxServer
  let broker: TestBroker
  let fx: IngestFixture
  let device: MqttClient
  let http: string
  const errors: { topic: string; body: unknown }[] = []

  beforeAll(async () => {
    ;[influx, broker] = await Promise.all([startInfluxd(), startPlainAedes()])
    fx = await startTestIngest({
      influxUrl: influx.url,
      influxDb: 'flow',
      mqttUrl: broker.url,
      instance: `flow-${process.pid}`,
      mqttConnections: 3,
      healthIntervalMs: 300,
    })
    http = `http://127.0.0.1:${fx.ingest.port}`
    await waitFor(() => fx.ingest.readiness().ready, 20_000, 'ingest ready')
    device = await mqtt.connectAsync(broker.url, { clientId: `flow-dev-${process.pid}`, protocolVersion: 4 })
    await device.subscribeAsync('streetsense/v1/+/+/errors', { qos: 1 })
    device.on('message', (topic, payload) => errors.push({ topic, body: JSON.parse(payload.toString()) }))
  })
  afterAll(async () => {
    await device?.endAsync()
    await fx?.close()
    await Promise.all([broker?.close(), influx?.stop()])
  })

  it('splits the boroughs over stable client ids and never subscribes with $share', () => {
    const conns = fx.ingest.consumers!.describe()
    expect(conns.map((c) => c.clientId)).toEqual([0, 1, 2].map((k) => `flow-${process.pid}-${k}`))
    const filters = conns.flatMap((c) => c.filters)
    expect(filters.some((f) => f.startsWith('$share'))).toBe(false)
    // Every borough's air topic is covered exactly once.
    expect(filters.filter((f) => f.endsWith('/air'))).toHaveLength(33)
  })

  it('stores single readings, batches, traffic and status, read back with InfluxQL', async () => {
    const t = (s: string, b: string, c: 'air' | 'traffic' | 'status') => buildTopic(b, s, c)
    for (let seq = 1; seq <= 20; seq++) {
      await device.publishAsync(t('cam-1', 'E09000007', 'air'), JSON.stringify(airReading('cam-1', 'E09000007', seq)), {
        qos: 1,
      })
    }
    const batch = {
      readings: Array.from({ length: 30 }, (_, i) => airReading('cam-2', 'E09000007', i + 1, { pm2_5: 900 })),
    }
    await device.publishAsync(t('cam-2', 'E09000007', 'air'), JSON.stringify(batch), { qos: 1 })
    const traffic = {
      sensor: 'hck-t1',
      borough: 'E09000012',
      kind: 'traffic',
      time: new Date(BASE_TIME).toISOString(),
      interval: 300,
      seq: 7,
      values: { counts: { car: 40, bus_coach: 3, pedestrian: 80 }, lane: 2, direction: 'forward' },
    }
    await device.publishAsync(t('hck-t1', 'E09000012', 'traffic'), JSON.stringify(traffic), { qos: 1 })
    const status = {
      sensor: 'cam-1',
      borough: 'E09000007',
      time: new Date(BASE_TIME).toISOString(),
      agent_version: '0.1.0',
      uptime: 100,
      outbox_depth: 2,
      evicted: 0,
      clock_synced: true,
    }
    await device.publishAsync(t('cam-1', 'E09000007', 'status'), JSON.stringify(status), { qos: 1 })

    await waitFor(
      async () => {
        const rows = await influx.rows("SELECT count(pm2_5) FROM air WHERE sensor = 'cam-2'", 'flow').catch(() => [])
        return rows[0]?.count === 30
      },
      20_000,
      'batch in InfluxDB',
    )
    await waitFor(
      async () => (await influx.rows('SELECT * FROM device_status', 'flow').catch(() => [])).length === 1,
      20_000,
      'status',
    )
    const cam1 = await influx.rows(
      "SELECT pm2_5, seq, suspect, grade, borough FROM air WHERE sensor = 'cam-1' ORDER BY time",
      'flow',
    )
    expect(cam1.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(cam1[0]).toMatchObject({ pm2_5: 11, suspect: false, grade: 'indicative', borough: 'E09000007' })
    const cam2 = await influx.rows("SELECT flags, suspect FROM air WHERE sensor = 'cam-2' LIMIT 1", 'flow')
    expect(cam2[0]).toMatchObject({ suspect: true })
    expect(String(cam2[0]?.flags)).toContain('pm2_5_high')
    const tr = await influx.rows('SELECT car, total_vehicles, pedestrian, lane, direction FROM traffic', 'flow')
    expect(tr).toEqual([
      { time: BASE_TIME, car: 40, total_vehicles: 43, pedestrian: 80, lane: '2', direction: 'forward' },
    ])
    const st = await influx.rows('SELECT outbox_depth, clock_synced, agent_version FROM device_status', 'flow')
    expect(st[0]).toMatchObject({ outbox_depth: 2, clock_synced: true, agent_version: '0.1.0' })
    expect(fx.ingest.stats.get('cam-1')).toMatchObject({ accepted: 20, lastSeq: 20, gaps: 0 })
  })

  it('quarantines invalid readings, reports them on the errors topic and never writes them', async () => {
    const before = errors.length
    const topic = buildTopic('E09000007', 'cam-1', 'air')
    await device.publishAsync(topic, 'not json {', { qos: 1 })
    await device.publishAsync(
      topic,
      JSON.stringify({ ...airReading('cam-1', 'E09000007', 500), values: { pm2_5: -5 } }),
      { qos: 1 },
    )
    await device.publishAsync(topic, JSON.stringify(airReading('cam-2', 'E09000007', 501)), { qos: 1 })
    await device.publishAsync(
      buildTopic('E09000012', 'old-1', 'air'),
      JSON.stringify(airReading('old-1', 'E09000012', 1)),
      { qos: 1 },
    )
    await device.publishAsync(
      buildTopic('E09000012', 'nobody', 'air'),
      JSON.stringify(airReading('nobody', 'E09000012', 1)),
      { qos: 1 },
    )
    await waitFor(() => errors.length >= before + 5, 10_000, 'five device errors')
    const got = errors.slice(before)
    for (const e of got) expect(validateDeviceError(e.body).ok).toBe(true)
    const codes = got.map((e) => (e.body as { code: string }).code).sort()
    expect(codes).toEqual([
      'READING_INVALID',
      'READING_NOT_JSON',
      'READING_TOPIC_MISMATCH',
      'READING_UNKNOWN_SENSOR',
      'READING_UNKNOWN_SENSOR',
    ])
    const invalid = got.find((e) => (e.body as { code: string }).code === 'READING_INVALID')!
    expect(invalid.topic).toBe(buildTopic('E09000007', 'cam-1', 'errors'))
    expect(invalid.body).toMatchObject({ seq: [500], errors: [{ path: '/values/pm2_5' }] })
    const q = fx.ingest.quarantine.list({ sensor: 'cam-1' })
    expect(q.map((r) => r.code).sort()).toEqual(['READING_INVALID', 'READING_NOT_JSON', 'READING_TOPIC_MISMATCH'])
    expect(q.find((r) => r.code === 'READING_NOT_JSON')).toMatchObject({ raw: 'not json {', topic })
    const written = await influx.rows(
      "SELECT count(pm2_5) FROM air WHERE seq >= 500 OR sensor = 'old-1' OR sensor = 'nobody'",
      'flow',
    )
    expect(written).toEqual([])
    // The operator sees the same through the API (admin account only).
    const denied = await fetch(`${http}/v1/quarantine`, { headers: { authorization: basic('reader', 'r') } })
    expect(denied.status).toBe(403)
    expect(await fetch(`${http}/v1/quarantine`).then((r) => r.status)).toBe(401)
    const res = await fetch(`${http}/v1/quarantine?sensor=cam-1`, {
      headers: { authorization: basic(ADMIN.username, ADMIN.password) },
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { items: { code: string; schema: string }[] }
    expect(body.items).toHaveLength(3)
    expect(body.items.find((i) => i.code === 'READING_INVALID')?.schema).toBe(
      'https://streetsense.london/schemas/reading.v1.json',
    )
  })

  it('lands HTTP and Sensor.Community readings like MQTT ones', async () => {
    const reading = airReading('cam-1', 'E09000007', 1000)
    const ok = await fetch(`${http}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer pw-cam-1', 'x-sensor': 'cam-1' },
      body: JSON.stringify(reading),
    })
    expect(ok.status).toBe(202)
    expect(await ok.json()).toMatchObject({ accepted: 1 })
    const viaBasic = await fetch(`${http}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic('cam-1', 'pw-cam-1') },
      body: JSON.stringify({
        readings: [airReading('cam-1', 'E09000007', 1001), airReading('cam-1', 'E09000007', 1002)],
      }),
    })
    expect(viaBasic.status).toBe(202)
    const wrongPw = await fetch(`${http}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope', 'x-sensor': 'cam-1' },
      body: JSON.stringify(reading),
    })
    expect(wrongPw.status).toBe(401)
    const bad = await fetch(`${http}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer pw-cam-1', 'x-sensor': 'cam-1' },
      body: JSON.stringify({ ...reading, seq: 1003, interval: 0 }),
    })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ code: 'IOT_INGEST_INVALID', field: '/interval' })
    const other = await fetch(`${http}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer pw-cam-1', 'x-sensor': 'cam-1' },
      body: JSON.stringify(airReading('cam-2', 'E09000007', 1004)),
    })
    expect(await other.json()).toMatchObject({ code: 'IOT_INGEST_TOPIC_MISMATCH', field: '/sensor' })

    const sc = await fetch(`${http}/v1/sensor-community`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sensor': 'esp8266-1234567',
        authorization: basic('esp8266-1234567', 'pw-sc'),
      },
      body: JSON.stringify({
        esp8266id: '1234567',
        software_version: 'NRZ-2020-133',
        sensordatavalues: [
          { value_type: 'SDS_P1', value: '21.30' },
          { value_type: 'SDS_P2', value: '9.80' },
          { value_type: 'BME280_temperature', value: '7.25' },
          { value_type: 'BME280_humidity', value: '81.4' },
          { value_type: 'BME280_pressure', value: '101325.00' },
          { value_type: 'signal', value: '-70' },
        ],
      }),
    })
    expect(sc.status).toBe(200)
    await waitFor(
      async () => {
        const rows = await influx
          .rows("SELECT count(pm2_5) FROM air WHERE sensor = 'cam-1' AND seq >= 1000", 'flow')
          .catch(() => [])
        return rows[0]?.count === 3
      },
      20_000,
      'HTTP readings in InfluxDB',
    )
    await waitFor(
      async () =>
        (await influx.rows("SELECT * FROM air WHERE sensor = 'sc-1234567'", 'flow').catch(() => [])).length === 1,
      20_000,
      'SC',
    )
    const scRow = (
      await influx.rows(
        "SELECT pm10, pm2_5, temperature, relative_humidity, pressure, grade, borough FROM air WHERE sensor = 'sc-1234567'",
        'flow',
      )
    )[0]
    expect(scRow).toMatchObject({
      pm10: 21.3,
      pm2_5: 9.8,
      temperature: 7.25,
      relative_humidity: 81.4,
      pressure: 1013.25,
      grade: 'citizen',
      borough: 'E09000019',
    })
    const http1000 = await influx.rows(
      "SELECT pm2_5, pm10, seq, interval FROM air WHERE sensor = 'cam-1' AND seq = 1000",
      'flow',
    )
    expect(http1000[0]).toMatchObject({ pm2_5: (reading.values as { pm2_5: number }).pm2_5, seq: 1000, interval: 60 })
  })

  it('writes ingest_health points with its counters', async () => {
    await waitFor(
      async () => (await influx.rows('SELECT * FROM ingest_health', 'flow').catch(() => [])).length >= 2,
      20_000,
      'health',
    )
    const rows = await influx.rows(
      'SELECT last(accepted) AS accepted, last(spool_depth) AS depth FROM ingest_health',
      'flow',
    )
    expect(Number(rows[0]?.accepted)).toBeGreaterThanOrEqual(50)
    const tags = await influx.query('SHOW TAG VALUES FROM ingest_health WITH KEY = "instance"', 'flow')
    expect(tags.results[0]?.series?.[0]?.values).toEqual([['instance', `flow-${process.pid}`]])
  })

  it('serves health, readiness and metrics on the operator port, intake and its OpenAPI document on the HTTP port', async () => {
    const ops = `http://127.0.0.1:${fx.ingest.opsPort}`
    expect((await fetch(`${ops}/healthz`)).status).toBe(200)
    const ready = await fetch(`${ops}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ ready: true, reasons: [] })
    const metrics = await (await fetch(`${ops}/metrics`)).text()
    expect(metrics).toMatch(/streetsense_ingest_readings_accepted_total\{sensor="cam-1"\} 23/)
    expect(metrics).toMatch(/streetsense_ingest_messages_rejected_total\{sensor="cam-1",code="READING_INVALID"\} 2/)
    const doc = (await (await fetch(`${http}/docs/json`)).json()) as { paths: Record<string, unknown> }
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/readings', '/v1/sensor-community', '/v1/quarantine']),
    )
  })
})
