/**
 * The delivery guarantee under failure: the ingest killed with SIGKILL mid-stream, InfluxDB
 * stopped under load, the spool full. Every acknowledged reading must end up in InfluxDB.
 * The broker runs in this test process (plain Aedes over TCP), so it keeps the ingest's
 * persistent sessions while the ingest is down.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildEntry } from '../../registry/defaults.js'
import { openRegistry } from '../../registry/registry.js'
import { buildTopic } from '../../schemas/topics.js'
import type { RegisterEntry } from '../../schemas/types.gen.js'
import { startPlainAedes, type TestBroker } from '../helpers/aedes.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { airReading, type IngestFixture, startTestIngest } from './fixtures.js'

const BOROUGH = 'E09000007'

/** Publishes readings seq 1..n for each sensor with QoS 1, a window of 200 in flight. */
async function publishStream(
  client: MqttClient,
  sensors: string[],
  n: number,
  onProgress?: (acked: number) => void,
): Promise<void> {
  let acked = 0
  const jobs: (() => Promise<unknown>)[] = []
  for (let seq = 1; seq <= n; seq++) {
    for (const s of sensors) {
      jobs.push(() =>
        client.publishAsync(buildTopic(BOROUGH, s, 'air'), JSON.stringify(airReading(s, BOROUGH, seq)), { qos: 1 }),
      )
    }
  }
  for (let i = 0; i < jobs.length; i += 200) {
    await Promise.all(jobs.slice(i, i + 200).map((j) => j()))
    acked += Math.min(200, jobs.length - i)
    onProgress?.(acked)
  }
}

async function count(influx: InfluxServer, db: string, where = ''): Promise<number> {
  const rows = await influx.rows(`SELECT count(pm2_5) FROM air ${where}`, db).catch(() => [])
  return Number(rows[0]?.count ?? 0)
}

describe('delivery guarantee of the ingest', () => {
  let influx: InfluxServer
  let broker: TestBroker
  beforeAll(async () => {
    ;[influx, broker] = await Promise.all([startInfluxd(), startPlainAedes()])
  })
  afterAll(async () => {
    await Promise.all([broker?.close(), influx?.stop()])
  })

  it('loses nothing when the ingest process is killed with SIGKILL mid-stream and restarted', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ingest-crash-'))
    const sensors = ['k-1', 'k-2', 'k-3', 'k-4']
    const registry = openRegistry(dataDir)
    for (const id of sensors)
      registry.addSensor(buildEntry({ id, borough: BOROUGH, kind: 'air' }) as unknown as RegisterEntry)
    registry.close()
    const args = [
      'bin/streetsense.js',
      'ingest',
      '--data-dir',
      dataDir,
      '--instance',
      `crash-${process.pid}`,
      '--mqtt-url',
      broker.url,
      '--mqtt-connections',
      '2',
      '--http-host',
      '127.0.0.1',
      '--http-port',
      '0',
      '--ops-port',
      '0',
      '--influx-url',
      influx.url,
      '--influx-db',
      'crash',
    ]
    const children: ChildProcess[] = []
    const startChild = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, STREETSENSE_LOG_LEVEL: 'warn' },
      })
      children.push(child)
      const lines = createInterface({ input: child.stdout! })
      const opsPort = await new Promise<number>((resolve, reject) => {
        lines.on('line', (line) => {
          if (line.includes('"event":"listening"')) resolve((JSON.parse(line) as { opsPort: number }).opsPort)
        })
        child.once('exit', (code) => reject(new Error(`ingest exited early with ${code}`)))
      })
      // Ready means subscribed: on the first start the broker has no session for the ingest until
      // its SUBACK, and a reading published before would be queued for no one.
      await waitFor(async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`)).ok, 30_000, 'ingest ready')
      return child
    }
    const publisher = await mqtt.connectAsync(broker.url, { clientId: `crash-pub-${process.pid}`, protocolVersion: 4 })
    try {
      let child = await startChild()
      const n = 600 // per sensor: 2,400 readings
      let killed = false
      await publishStream(publisher, sensors, n, (acked) => {
        if (!killed && acked >= 800) {
          killed = true
          child.kill('SIGKILL')
        }
      })
      await new Promise<void>((resolve) =>
        child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
      )
      expect(child.signalCode).toBe('SIGKILL')
      // Some readings were stored before the kill, not all: the kill really cut the stream.
      expect(await count(influx, 'crash')).toBeLessThan(sensors.length * n)
      child = await startChild()
      await waitFor(async () => (await count(influx, 'crash')) === sensors.length * n, 60_000, 'all readings stored')
      for (const s of sensors) {
        const rows = await influx.rows(`SELECT count(seq), min(seq), max(seq) FROM air WHERE sensor = '${s}'`, 'crash')
        expect(rows[0]).toMatchObject({ count: n, min: 1, max: n })
      }
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
      await publisher.endAsync()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  describe('with an in-process ingest', () => {
    let fx: IngestFixture
    let publisher: MqttClient
    afterAll(async () => {
      await publisher?.endAsync()
      await fx?.close()
    })

    it('keeps every reading through an InfluxDB outage under load', async () => {
      fx = await startTestIngest({
        influxUrl: influx.url,
        influxDb: 'outage',
        mqttUrl: broker.url,
        instance: `out-${process.pid}`,
        mqttConnections: 2,
      })
      publisher = await mqtt.connectAsync(broker.url, { clientId: `out-pub-${process.pid}`, protocolVersion: 4 })
      await waitFor(() => fx.ingest.readiness().ready, 20_000, 'ingest ready')
      const stream = publishStream(publisher, ['cam-1', 'cam-2'], 1000, async (acked) => {
        if (acked === 600) await influx.kill()
      })
      await stream
      await waitFor(
        () => fx.ingest.spool.depth() > 0 && !fx.ingest.writer.health().reachable,
        20_000,
        'writer sees the outage',
      )
      await influx.restart()
      await waitFor(async () => (await count(influx, 'outage')) === 2000, 60_000, 'all readings after the outage')
      expect(fx.ingest.quarantine.count()).toBe(0)
    })

    it('stops acknowledging when the spool is full, drops nothing, and lands everything after recovery', async () => {
      await fx.close()
      fx = await startTestIngest({
        influxUrl: influx.url,
        influxDb: 'full',
        mqttUrl: broker.url,
        instance: `full-${process.pid}`,
        mqttConnections: 1,
        mqttInflight: 10,
        spoolMaxLines: 50,
      })
      await waitFor(() => fx.ingest.readiness().ready, 20_000, 'ingest ready')
      await influx.kill()
      await publishStream(publisher, ['cam-1'], 300)
      await waitFor(() => fx.ingest.readiness().reasons.some((r) => r.startsWith('spool full')), 20_000, 'spool full')
      const ready = await fetch(`http://127.0.0.1:${fx.ingest.opsPort}/readyz`)
      expect(ready.status).toBe(503)
      expect(((await ready.json()) as { reasons: string[] }).reasons[0]).toMatch(/spool full/)
      const metrics = await (await fetch(`http://127.0.0.1:${fx.ingest.opsPort}/metrics`)).text()
      expect(metrics).toMatch(/streetsense_ingest_backpressure 1/)
      // The spool holds at most its bound plus one in-flight window; the rest waits at the broker.
      const depth = fx.ingest.spool.depth()
      expect(depth).toBeGreaterThanOrEqual(50)
      expect(depth).toBeLessThan(300)
      await influx.restart()
      await waitFor(async () => (await count(influx, 'full')) === 300, 60_000, 'all readings after recovery')
      await waitFor(() => fx.ingest.readiness().ready, 20_000, 'ready again')
    })
  })
})
