import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlainAedes, type TestBroker } from './aedes.js'
import { type InfluxServer, startInfluxd } from './influxd.js'

describe('test helpers start the real parts', () => {
  let influx: InfluxServer
  let broker: TestBroker
  beforeAll(async () => {
    ;[influx, broker] = await Promise.all([startInfluxd(), startPlainAedes()])
  })
  afterAll(async () => {
    await Promise.all([influx?.stop(), broker?.close()])
  })

  it('writes to and reads back from a real influxd', async () => {
    await influx.createDatabase('smoke')
    await influx.write('smoke', 'air,sensor=a pm2_5=12.5 1700000000000', 'ms')
    const rows = await influx.rows('SELECT pm2_5 FROM air', 'smoke')
    expect(rows).toEqual([{ time: 1700000000000, pm2_5: 12.5 }])
  })

  it('survives SIGKILL and restarts on the same data', async () => {
    await influx.kill()
    await influx.restart()
    const rows = await influx.rows('SELECT count(pm2_5) FROM air', 'smoke')
    expect(rows[0]?.count).toBe(1)
  })

  it('relays a QoS 1 message through a real Aedes over TCP', async () => {
    const sub = await mqtt.connectAsync(broker.url, { clientId: 'smoke-sub' })
    await sub.subscribeAsync('t/#', { qos: 1 })
    const got = new Promise<string>((resolve) => sub.on('message', (_t, p) => resolve(p.toString())))
    const pub = await mqtt.connectAsync(broker.url, { clientId: 'smoke-pub' })
    await pub.publishAsync('t/1', 'hello', { qos: 1 })
    expect(await got).toBe('hello')
    await Promise.all([sub.endAsync(), pub.endAsync()])
  })
})
