/**
 * Two `streetsense broker` processes sharing one real Redis (Debian redis-server): messages cross
 * nodes, and a persistent session with queued QoS 1 messages survives a broker restart.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTopic, readingFilters } from '../../schemas/topics.js'
import { freePort, waitFor } from '../helpers/ports.js'
import {
  addAccount,
  addSensor,
  type BrokerProcess,
  clientTracker,
  connect,
  metricValue,
  startBrokerProcess,
  tempDataDir,
} from './broker-process.js'

const CAMDEN = 'E09000007'

async function startRedis(): Promise<{ url: string; proc: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort()
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  )
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  await waitFor(
    async () => {
      const { connect: tcp } = await import('node:net')
      return new Promise<boolean>((resolve) => {
        const s = tcp(port, '127.0.0.1', () => {
          s.end()
          resolve(true)
        })
        s.on('error', () => resolve(false))
      })
    },
    10_000,
    'redis-server',
  )
  return {
    url: `redis://127.0.0.1:${port}`,
    proc,
    async stop() {
      proc.kill('SIGTERM')
      await exited
    },
  }
}

describe('two brokers on one Redis', () => {
  const data = tempDataDir()
  let redis: Awaited<ReturnType<typeof startRedis>>
  let a: BrokerProcess
  let b: BrokerProcess
  const pw: Record<string, string> = {}
  const { track, endAll } = clientTracker()

  beforeAll(async () => {
    pw['cl-1'] = addSensor(data.dir, 'cl-1', CAMDEN)
    pw.ingest = addAccount(data.dir, 'ingest', 'ingest')
    redis = await startRedis()
    ;[a, b] = await Promise.all([
      startBrokerProcess(data.dir, ['--redis-url', redis.url]),
      startBrokerProcess(data.dir, ['--redis-url', redis.url]),
    ])
  })
  afterAll(async () => {
    endAll()
    await Promise.all([a?.stop(), b?.stop()])
    await redis?.stop()
    data.remove()
  })
  const urlOf = (x: BrokerProcess) => `mqtt://127.0.0.1:${x.ports.mqtt}`

  it('a device on node A reaches a subscriber on node B', async () => {
    const health = await (await fetch(`http://127.0.0.1:${a.ports.metrics}/healthz`)).json()
    expect(health.persistence).toBe('redis')
    const ingest = track(await connect(urlOf(b), { clientId: 'ingest/b', username: 'ingest', password: pw.ingest }))
    await ingest.subscribeAsync(readingFilters(), { qos: 1 })
    const got = new Promise<string>((resolve) => ingest.once('message', (_t, p) => resolve(p.toString())))
    const device = track(await connect(urlOf(a), { clientId: 'cl-1', username: 'cl-1', password: pw['cl-1'] }))
    await device.publishAsync(buildTopic(CAMDEN, 'cl-1', 'air'), '{"via":"A"}', { qos: 1 })
    expect(await got).toBe('{"via":"A"}')
    expect(await metricValue(a.ports.metrics, 'streetsense_broker_publishes_in_total', 'qos="1"')).toBe(1)
    ingest.end(true)
    device.end(true)
  })

  it('a persistent session and its queued QoS 1 messages survive a restart of its broker', async () => {
    const opts = { clientId: 'ingest/durable', username: 'ingest', password: pw.ingest, clean: false }
    const first = await connect(urlOf(a), opts)
    await first.subscribeAsync(readingFilters([CAMDEN]), { qos: 1 })
    await first.endAsync()
    expect(await a.stop()).toBe(0)

    const device = track(await connect(urlOf(b), { clientId: 'cl-1', username: 'cl-1', password: pw['cl-1'] }))
    const topic = buildTopic(CAMDEN, 'cl-1', 'air')
    for (const n of [1, 2, 3]) await device.publishAsync(topic, `{"n":${n}}`, { qos: 1 })

    a = await startBrokerProcess(data.dir, ['--redis-url', redis.url])
    const got: string[] = []
    const back = track(mqtt.connect(urlOf(a), { ...opts, reconnectPeriod: 0 }))
    back.on('message', (_t, p) => got.push(p.toString()))
    const ack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      back.once('connect', resolve)
      back.once('error', reject)
    })
    expect(ack.sessionPresent).toBe(true)
    await waitFor(() => got.length >= 3, 10_000, 'queued messages')
    expect(got).toEqual(['{"n":1}', '{"n":2}', '{"n":3}'])
  })
})
