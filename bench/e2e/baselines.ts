/**
 * The two ceilings bench/e2e compares the platform against, measured in the same run:
 * - raw InfluxDB: pre-built line protocol of the same readings POSTed straight to influxd
 *   (5,000-point bodies, 2 in flight, as the ingest writer does);
 * - plain Aedes: bench/broker/plain-aedes.ts in its own process relaying QoS 1 from the e2e
 *   load generator (same fleet, payloads and window as the platform run, flat out) to one
 *   mqtt.js subscriber that acknowledges on receipt.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import mqtt from 'mqtt'
import { readingToLine } from '../../ingest/store/line-protocol.js'
import type { Reading } from '../../schemas/types.gen.js'
import type { InfluxServer } from '../../test/helpers/influxd.js'
import { freePort, waitFor } from '../../test/helpers/ports.js'
import { BENCH_SENSORS, benchReading } from '../ingest/common.js'
import { type LoadGenerator, startLoadGenerator } from './load-control.js'

export async function rawInfluxCeiling(influx: InfluxServer, total: number): Promise<number> {
  await influx.createDatabase('raw')
  const bodies: string[] = []
  let lines: string[] = []
  for (let i = 0; i < total; i++) {
    const s = BENCH_SENSORS[i % BENCH_SENSORS.length]!
    lines.push(readingToLine(benchReading(s, Math.floor(i / BENCH_SENSORS.length)) as Reading))
    if (lines.length === 5000 || i === total - 1) {
      bodies.push(lines.join('\n'))
      lines = []
    }
  }
  const started = Date.now()
  let next = 0
  await Promise.all(
    [0, 1].map(async () => {
      for (let body = bodies[next++]; body !== undefined; body = bodies[next++]) {
        const res = await fetch(`${influx.url}/write?db=raw&precision=ms`, { method: 'POST', body })
        if (res.status !== 204) throw new Error(`raw write answered ${res.status}`)
      }
    }),
  )
  const rate = total / ((Date.now() - started) / 1000)
  const stored = Number((await influx.rows('SELECT count(pm2_5) FROM air', 'raw'))[0]?.count ?? 0)
  if (stored !== total) throw new Error(`raw ceiling: ${stored} of ${total} points stored`)
  // Keep influxd's memory for the platform run.
  await influx.query('DROP DATABASE "raw"')
  return rate
}

function spawnReady(file: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"event":"listening"')) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)))
  })
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

export interface AedesCeiling {
  rate: number
  received: number
  total: number
}

/**
 * Delivered msgs/s at one QoS 1 subscriber (acks on receipt) from the same load generator,
 * fleet size and window as the platform run, flat out for `seconds`.
 */
export async function plainAedesCeiling(sensorCount: number, seconds: number): Promise<AedesCeiling> {
  const port = await freePort()
  const broker = await spawnReady('bench/broker/plain-aedes.ts', [String(port)])
  const url = `mqtt://127.0.0.1:${port}`
  const sub = await mqtt.connectAsync(url, { clientId: 'e2e-ceiling-sub', protocolVersion: 4 })
  let load: LoadGenerator | undefined
  try {
    await sub.subscribeAsync('streetsense/v1/+/+/air', { qos: 1 })
    let received = 0
    let first = 0
    let last = 0
    sub.on('message', () => {
      received++
      last = Date.now()
      if (first === 0) first = last
    })
    // Plain Aedes takes any credentials: the same fleet, with a dummy password.
    load = await startLoadGenerator(
      url,
      BENCH_SENSORS.slice(0, sensorCount).map((s) => ({ ...s, password: 'x' })),
    )
    const step = await load.step(0, seconds, 0)
    const total = Object.values(step.acked).reduce((a, b) => a + b, 0)
    await waitFor(() => received >= total || broker.exitCode !== null, 60_000, 'plain Aedes relay')
    return { rate: (received / Math.max(1, last - first)) * 1000, received, total }
  } finally {
    await load?.stop()
    await sub.endAsync()
    await stopChild(broker)
  }
}
