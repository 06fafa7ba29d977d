/**
 * Issue 14, item 8: times that pass the RFC 3339 schema but InfluxDB cannot store (a leap second,
 * before 1677-09-21, after 2262-04-11) were acknowledged (202 / PUBACK), counted as accepted, and
 * only quarantined when InfluxDB refused them. They are now refused by the check, before the
 * spool: HTTP 400 naming `/time`, over MQTT a DeviceError on the errors topic, counted as
 * rejected, nothing sent to InfluxDB. Against the real broker, ingest and influxd.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PlatformProcesses, startPlatformProcesses } from '../helpers/platform-processes.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  addSensor,
  type BrokerProcess,
  type IngestProcess,
  type Issued,
  tempDir,
} from '../helpers/processes.js'

const CAMDEN = 'E09000007'
const UNSTORABLE = ['2016-12-31T23:59:60Z', '1600-01-01T00:00:00Z', '1677-09-21T00:12:43Z']
const topic = (sensor: string, channel: string) => `streetsense/v1/${CAMDEN}/${sensor}/${channel}`

describe('times InfluxDB cannot store are refused before acknowledging (real processes)', () => {
  const data = tempDir('ss-times-')
  let platform: PlatformProcesses
  let broker: BrokerProcess
  let ingest: IngestProcess
  const creds: Record<string, Issued> = {}

  const reading = (sensor: string, time: string, seq: number) => ({
    sensor,
    borough: CAMDEN,
    kind: 'air',
    time,
    interval: 60,
    seq,
    values: { pm2_5: 10 },
  })
  const status = (sensor: string, time: string) => ({
    sensor,
    borough: CAMDEN,
    time,
    agent_version: '1.0.0',
    uptime: 10,
    outbox_depth: 0,
    evicted: 0,
    clock_synced: true,
  })
  const metric = async (pattern: RegExp) =>
    Number(pattern.exec(await (await fetch(`${ingest.opsUrl}/metrics`)).text())?.[1] ?? 0)

  beforeAll(async () => {
    creds.http = await addSensor(data.dir, 'cam-http', CAMDEN)
    creds.mqtt = await addSensor(data.dir, 'cam-mqtt', CAMDEN)
    const ingestAccount = await addAccount(data.dir, 'ingest', 'ingest')
    platform = await startPlatformProcesses({ dataDir: data.dir, ingestAccount, influxDb: 'times' })
    ;({ broker, ingest } = platform)
  }, 600_000)

  afterAll(async () => {
    await platform?.stop()
    data.remove()
  })

  it('HTTP: 400 naming /time for readings and for a member of a batch; nothing accepted', async () => {
    const post = (body: unknown) =>
      fetch(`${ingest.url}/v1/readings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${creds.http!.password}`,
          'x-sensor': 'cam-http',
        },
        body: JSON.stringify(body),
      })
    for (const [i, time] of UNSTORABLE.entries()) {
      const res = await post(reading('cam-http', time, i + 1))
      const body = (await res.json()) as { code: string; field: string; message: string }
      expect(res.status, time).toBe(400)
      expect(body).toMatchObject({ code: 'IOT_INGEST_INVALID', field: '/time' })
      expect(body.message).toMatch(/schema/)
    }
    const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString()
    const batch = await post({ readings: [reading('cam-http', now, 10), reading('cam-http', UNSTORABLE[0]!, 11)] })
    expect(batch.status).toBe(400)
    expect(((await batch.json()) as { field: string }).field).toBe('/readings/1/time')
    expect(await metric(/streetsense_ingest_readings_accepted_total\{sensor="cam-http"\} (\d+)/)).toBe(0)
    expect(
      await metric(/streetsense_ingest_messages_rejected_total\{sensor="cam-http",code="READING_INVALID"\} (\d+)/),
    ).toBe(4)
  })

  it('MQTT: a DeviceError naming /time on the errors topic, counted as rejected, InfluxDB never asked', async () => {
    const device: MqttClient = await mqtt.connectAsync(broker.url, {
      clientId: 'cam-mqtt',
      ...creds.mqtt,
      protocolVersion: 4,
    })
    const errors: { code: string; errors?: { path: string; keyword: string }[] }[] = []
    device.on('message', (_t, payload) => errors.push(JSON.parse(payload.toString())))
    await device.subscribeAsync(topic('cam-mqtt', 'errors'), { qos: 1 })
    for (const [i, time] of UNSTORABLE.entries()) {
      await device.publishAsync(topic('cam-mqtt', 'air'), JSON.stringify(reading('cam-mqtt', time, i + 1)), { qos: 1 })
    }
    // A status has no "future" rule, so a year after 2262 reached InfluxDB before.
    await device.publishAsync(topic('cam-mqtt', 'status'), JSON.stringify(status('cam-mqtt', '2300-01-01T00:00:00Z')), {
      qos: 1,
    })
    await waitFor(() => errors.length === 4, 20_000, 'four device errors')
    await device.endAsync()
    for (const e of errors) {
      expect(e.code).toBe('READING_INVALID')
      expect(e.errors?.[0]).toMatchObject({ path: '/time', keyword: 'storable' })
    }
    expect(
      await metric(/streetsense_ingest_messages_rejected_total\{sensor="cam-mqtt",code="READING_INVALID"\} (\d+)/),
    ).toBe(4)
    expect(await metric(/streetsense_ingest_readings_accepted_total\{sensor="cam-mqtt"\} (\d+)/)).toBe(0)
    expect(await metric(/^streetsense_ingest_status_total (\d+)/m)).toBe(0)
    // Nothing went to InfluxDB to be refused there.
    expect(await metric(/^streetsense_ingest_influx_points_quarantined_total (\d+)/m)).toBe(0)
  })
})
