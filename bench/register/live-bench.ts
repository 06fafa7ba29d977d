/**
 * Live feed: how many Server-Sent Events clients the register holds and how long a reading takes
 * from a device's MQTT publish to each client's event. `streetsense broker` and the register run
 * as their own processes; this one holds the clients and the publishing device, so one clock
 * times both ends.
 *   node --import tsx bench/register/live-bench.ts [--quick] [--clients N] [--rate R] [--seconds S] [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { type IncomingMessage, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { openRegistry } from '../../registry/index.js'
import { startBroker } from '../../test/helpers/processes.js'
import { CAMDEN_AIR } from '../../test/register/fixtures.js'
import { machineDetails, writeBenchSection } from '../machine.js'
import { fmt, load, median, mib, startRegisterProcess } from './common.js'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const quick = process.argv.includes('--quick')
const CLIENTS = arg('clients', quick ? 200 : 1000)
const RATE = arg('rate', quick ? 10 : 20)
const SECONDS = arg('seconds', quick ? 10 : 30)
const RUNS = arg('runs', quick ? 2 : 3)
const SENSOR = CAMDEN_AIR.id

const sentAt = new Map<number, number>()
let delays: number[] = []

function connectClient(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/live?sensor=${SENSOR}`, { headers: { accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8')
      let pending = ''
      res.on('data', (chunk: string) => {
        const now = performance.now()
        pending += chunk
        let cut = pending.lastIndexOf('\n\n')
        if (cut < 0) return
        for (const m of pending.slice(0, cut).matchAll(/"seq":(\d+)/g)) {
          const sent = sentAt.get(Number(m[1]))
          if (sent !== undefined) delays.push(now - sent)
        }
        pending = pending.slice(cut + 2)
        cut = 0
      })
      resolve(res)
    })
    req.on('error', reject)
    req.end()
  })
}

async function publishPhase(device: mqtt.MqttClient, seq0: number): Promise<number> {
  const total = RATE * SECONDS
  const t0 = performance.now()
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const seq = seq0 + i
    const time = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString()
    const reading = {
      sensor: SENSOR,
      borough: CAMDEN_AIR.borough,
      kind: 'air',
      time,
      interval: 60,
      seq,
      values: { pm2_5: 9.5, no2: 30 },
    }
    sentAt.set(seq, performance.now())
    device.publish(`streetsense/v1/${CAMDEN_AIR.borough}/${SENSOR}/air`, JSON.stringify(reading), { qos: 1 })
  }
  return total
}

async function main() {
  const loadBefore = load()
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-live-'))
  const registry = openRegistry(dataDir)
  const device = registry.addSensor(CAMDEN_AIR, 'bench')
  const reader = registry.addAccount({ username: 'live-reader', role: 'reader' }, 'bench')
  registry.close()
  const broker = await startBroker(dataDir)
  const reg = await startRegisterProcess({
    dataDir,
    influxUrl: 'http://127.0.0.1:9',
    db: 'none',
    live: { url: broker.url, ...reader, maxClients: CLIENTS },
  })
  const pub = await mqtt.connectAsync(broker.url, { clientId: SENSOR, username: SENSOR, password: device.password })
  const status = async () =>
    (await fetch(`${reg.url}/v1/live/status`)).json() as Promise<{ clients: number; published: number }>
  const clients: IncomingMessage[] = []
  for (let i = 0; i < CLIENTS; i++) clients.push(await connectClient(reg.url))
  while ((await status()).clients < CLIENTS) await new Promise((r) => setTimeout(r, 100))
  // The feed subscribes in the background: publish until a reading gets through.
  while ((await status()).published === 0) {
    await publishPhase(pub, 1_000_000).catch(() => 0)
  }
  delays = []
  const runs: { published: number; received: number; p50: number; p99: number; max: number; rss: number }[] = []
  for (let r = 0; r < RUNS; r++) {
    delays = []
    await reg.memory(true)
    const published = await publishPhase(pub, (r + 1) * 100_000)
    const expected = published * CLIENTS
    const deadline = Date.now() + 10_000
    while (delays.length < expected && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100))
    const sorted = [...delays].sort((a, b) => a - b)
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN
    runs.push({
      published,
      received: delays.length,
      p50: q(0.5),
      p99: q(0.99),
      max: sorted.at(-1) ?? Number.NaN,
      rss: (await reg.memory()).rss,
    })
  }
  const held = (await status()).clients
  for (const c of clients) c.destroy()
  await pub.endAsync(true)
  await reg.stop()
  await broker.stop()
  rmSync(dataDir, { recursive: true, force: true })
  report(runs, held, loadBefore)
}

function report(
  runs: { published: number; received: number; p50: number; p99: number; max: number; rss: number }[],
  held: number,
  loadBefore: string,
) {
  const rows = runs.map(
    (r, i) =>
      `| ${i + 1} | ${fmt(r.published)} | ${fmt(r.received)} of ${fmt(r.published * CLIENTS)} | ${fmt(r.received / SECONDS)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} | ${mib(r.rss)} |`,
  )
  const md = `### Live feed (bench/register/live-bench.ts)

Measured ${new Date().toISOString().slice(0, 10)} on ${machineDetails()}. **The machine was shared with other engineers' builds and tests** (load average before: ${loadBefore}; after: ${load()}); delays include that contention. Run: \`npm run bench:live\`${quick ? ' (this table: `--quick`)' : ''}.

Set-up: \`streetsense broker\` (registry authentication and ACL) and the register (its live feed subscribed with a reader account) each in its own process; this process holds ${fmt(CLIENTS)} SSE clients (\`/v1/live?sensor=...\`, plain HTTP/1.1 connections) and one device that publishes ${RATE} readings/s with QoS 1 for ${SECONDS} s per run. Delay = an event's arrival at a client minus the device's publish call, on this process's clock. Clients held at the end: **${fmt(held)}**.

| run | readings published | events received | events/s delivered | p50 delay, ms | p99 delay, ms | max, ms | register peak RSS, MiB |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Medians over the runs: p50 ${median(runs.map((r) => r.p50)).toFixed(1)} ms, **p99 ${median(runs.map((r) => r.p99)).toFixed(1)} ms**. Every client gets every reading once; the hub serialises each event once and writes it to each client's socket, so the cost per client is a write. The clients are one Node process on the same two cores as the register and the broker: parsing every event of every client is part of each delay, and the first run also pays for warming up.`
  writeBenchSection('live', md)
  console.log(md)
}

await main()
