/**
 * Readiness means subscribed, not only connected: until the broker grants the consumers' filters,
 * a broker that never saw this ingest holds no session for it, and a reading published then is
 * queued for no one. Plain Aedes over TCP whose subscription check is held back on purpose.
 */
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTopic } from '../../schemas/topics.js'
import { startPlainAedes, type TestBroker } from '../helpers/aedes.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { airReading, type IngestFixture, startTestIngest } from './fixtures.js'

describe('ingest readiness', () => {
  let influx: InfluxServer
  let broker: TestBroker
  let fx: IngestFixture | undefined
  const held: (() => void)[] = []

  beforeAll(async () => {
    ;[influx, broker] = await Promise.all([startInfluxd(), startPlainAedes()])
    // Every SUBSCRIBE waits here until the test lets it through.
    broker.broker.authorizeSubscribe = (_client, sub, done) => held.push(() => done(null, sub))
  })
  afterAll(async () => {
    for (const release of held.splice(0)) release()
    await fx?.close()
    await Promise.all([broker?.close(), influx?.stop()])
  })

  it('is not ready while connected and not yet subscribed, and ready once the broker granted the filters', async () => {
    fx = await startTestIngest({
      mqttUrl: broker.url,
      influxUrl: influx.url,
      influxDb: 'ready',
      instance: 'rdy',
      mqttConnections: 1,
    })
    const ingest = fx.ingest
    await waitFor(() => ingest.consumers!.describe().every((c) => c.connected), 20_000, 'consumer connected')
    await waitFor(() => held.length > 0, 20_000, 'SUBSCRIBE reached the broker')

    const waiting = ingest.readiness()
    expect(waiting.ready).toBe(false)
    expect(waiting.reasons).toEqual([expect.stringMatching(/^MQTT not subscribed yet: rdy-0$/)])
    const opsAnswer = await fetch(`http://127.0.0.1:${ingest.opsPort}/readyz`)
    expect(opsAnswer.status).toBe(503)
    expect(await opsAnswer.json()).toMatchObject({ mqtt: [{ clientId: 'rdy-0', connected: true, subscribed: false }] })

    for (const release of held.splice(0)) release()
    await waitFor(() => ingest.readiness().ready, 20_000, 'ingest ready')
    expect((await fetch(`http://127.0.0.1:${ingest.opsPort}/readyz`)).status).toBe(200)

    // Ready means a reading published now reaches InfluxDB.
    const device = await mqtt.connectAsync(broker.url, { clientId: 'rdy-pub', protocolVersion: 4 })
    await device.publishAsync(
      buildTopic('E09000007', 'cam-1', 'air'),
      JSON.stringify(airReading('cam-1', 'E09000007', 1)),
      {
        qos: 1,
      },
    )
    await device.endAsync()
    await waitFor(
      async () => (await influx.rows('SELECT count(pm2_5) FROM air', 'ready').catch(() => [])).length > 0,
      20_000,
      'reading stored',
    )
  })
})
