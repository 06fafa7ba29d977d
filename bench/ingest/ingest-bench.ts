/**
 * End-to-end ingest benchmark (issue 4): readings/s stored in InfluxDB through broker + ingest,
 * single-reading and batched (30) messages, beside (a) the raw InfluxDB ceiling (pre-built line
 * protocol posted straight to influxd, same batch size and concurrency as the ingest writer) and
 * (b) a naive pipeline (plain Aedes, one mqtt.js subscriber that acks on receipt, ajv, batched
 * writes), all in this one run. Then publish-to-queryable latency at half the measured rate,
 * sampled with probe readings. Every run checks that the number stored equals the number sent.
 *
 *   node --import tsx bench/ingest/ingest-bench.ts [--quick]
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { createInterface } from 'node:readline'
import mqtt from 'mqtt'
import { readingToLine } from '../../ingest/store/line-protocol.js'
import type { Reading } from '../../schemas/types.gen.js'
import { type InfluxServer, startInfluxd } from '../../test/helpers/influxd.js'
import { freePort } from '../../test/helpers/ports.js'
import { BENCH_SENSORS, benchReading } from './common.js'

const quick = process.argv.includes('--quick')
// --only=batch or --only=single: the raw ceiling and that one run (to profile the ingest).
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) as
  | 'batch'
  | 'single'
  | undefined
const SINGLE_TOTAL = quick ? 20_000 : 60_000
const BATCH_TOTAL = quick ? 60_000 : 240_000
const LATENCY_SECONDS = quick ? 6 : 12
const children = new Set<ChildProcess>()

function startChild(file: string, args: string[]): Promise<ChildProcess> {
  // BENCH_PROF=<dir>: a V8 CPU profile of the ingest process, to see where its time goes.
  const prof =
    process.env.BENCH_PROF && file.includes('ingest-process')
      ? [`--cpu-prof-dir=${process.env.BENCH_PROF}`, '--cpu-prof']
      : []
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"event":"listening"')) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)))
  })
}

function runLoad(opts: Record<string, unknown>): Promise<{ published: number; firstAt: number; lastAckAt: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ingest/load.ts', JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.add(child)
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"event":"done"')) resolve(JSON.parse(line))
    })
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`load exited with ${code}`))))
  })
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise((r) => {
    child.once('exit', r)
    child.kill('SIGTERM')
  })
}

async function count(influx: InfluxServer, db: string): Promise<number> {
  const rows = await influx.rows('SELECT count(pm2_5) FROM air', db).catch(() => [])
  return Number(rows[0]?.count ?? 0)
}

async function waitForCount(influx: InfluxServer, db: string, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const n = await count(influx, db)
    if (n >= expected) return Date.now()
    if (Date.now() > deadline) throw new Error(`only ${n} of ${expected} readings stored in ${db}`)
    // Counting scans every point: poll gently, it loads influxd too.
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function rawCeiling(influx: InfluxServer, db: string): Promise<PipelineRun> {
  await influx.createDatabase(db)
  const total = quick ? 100_000 : 300_000
  const lines: string[] = []
  for (let i = 0; i < total; i++) {
    const s = BENCH_SENSORS[i % BENCH_SENSORS.length]!
    lines.push(readingToLine(benchReading(s, Math.floor(i / BENCH_SENSORS.length)) as Reading))
  }
  const bodies: string[] = []
  for (let i = 0; i < lines.length; i += 5000) bodies.push(lines.slice(i, i + 5000).join('\n'))
  const started = Date.now()
  let nextBody = 0
  await Promise.all(
    [0, 1].map(async () => {
      for (;;) {
        const body = bodies[nextBody++]
        if (body === undefined) return
        const res = await fetch(`${influx.url}/write?db=${db}&precision=ms`, { method: 'POST', body })
        if (res.status !== 204) throw new Error(`raw write ${res.status}`)
      }
    }),
  )
  const rate = total / ((Date.now() - started) / 1000)
  const stored = await count(influx, db)
  if (stored !== total) throw new Error('raw ceiling: points missing')
  return { rate, stored, sent: total }
}

const RUNS = quick ? 1 : 3

/**
 * Runs a measurement RUNS times, each on its own database, and keeps the median: one run on this
 * shared 2-core machine swings by 15% or more (the raw ceiling as much as the pipelines).
 */
async function median(
  what: string,
  measure: (run: number) => Promise<PipelineRun>,
): Promise<PipelineRun & { rates: number[] }> {
  const runs: PipelineRun[] = []
  for (let run = 1; run <= RUNS; run++) {
    const result = await measure(run)
    console.error(`  ${what} run ${run}: ${fmt(result.rate)}/s (${result.stored}/${result.sent})`)
    runs.push(result)
  }
  const sorted = [...runs].sort((a, b) => a.rate - b.rate)
  const mid = sorted[Math.floor(sorted.length / 2)]!
  return {
    rate: mid.rate,
    stored: runs.reduce((n, r) => n + r.stored, 0),
    sent: runs.reduce((n, r) => n + r.sent, 0),
    rates: runs.map((r) => r.rate),
  }
}

interface PipelineRun {
  rate: number
  stored: number
  sent: number
}

async function throughput(
  influx: InfluxServer,
  consumer: 'naive' | 'ingest',
  mode: 'single' | 'batch',
  total: number,
  run = 1,
): Promise<PipelineRun> {
  const db = `${consumer}_${mode}_${run}`
  await influx.createDatabase(db)
  const port = await freePort()
  const broker = await startChild('bench/ingest/broker-process.ts', [String(port)])
  const url = `mqtt://127.0.0.1:${port}`
  const file = consumer === 'naive' ? 'bench/ingest/naive-consumer.ts' : 'bench/ingest/ingest-process.ts'
  const proc = await startChild(file, [url, influx.url, db])
  const allWritten = new Promise<number>((resolve) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (!line.includes('"event":"written"')) return
      const event = JSON.parse(line) as { total: number; at: number }
      if (event.total >= total) resolve(event.at)
    })
  })
  try {
    const load = await runLoad({ url, mode, total, rate: 0, connections: 20, seqOffset: 0 })
    // Done when InfluxDB acknowledged the last point (the consumer reports each 204), then
    // checked by counting; if the count falls short the run lasts until InfluxDB holds them all.
    let doneAt = await Promise.race([allWritten, new Promise<number>((r) => setTimeout(() => r(0), 120_000))])
    let stored = await count(influx, db)
    if (doneAt === 0 || stored < total) {
      doneAt = await waitForCount(influx, db, total, 120_000)
      stored = await count(influx, db)
    }
    return { rate: total / ((doneAt - load.firstAt) / 1000), stored, sent: load.published }
  } finally {
    await stop(proc)
    await stop(broker)
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

/** Load at `rate` readings/s for LATENCY_SECONDS while probes measure publish -> queryable. */
async function latency(influx: InfluxServer, mode: 'single' | 'batch', rate: number) {
  const db = `latency_${mode}`
  await influx.createDatabase(db)
  const port = await freePort()
  const broker = await startChild('bench/ingest/broker-process.ts', [String(port)])
  const url = `mqtt://127.0.0.1:${port}`
  const proc = await startChild('bench/ingest/ingest-process.ts', [url, influx.url, db])
  const total = Math.round(rate * LATENCY_SECONDS)
  const probe = await mqtt.connectAsync(url, { clientId: 'probe', protocolVersion: 4 })
  const sensor = BENCH_SENSORS[0]!
  const sentAt = new Map<number, number>()
  const seenAt = new Map<number, number>()
  let stopProbes = false
  let stoppedAt = 0
  try {
    const loadDone = runLoad({ url, mode, total, rate, connections: 20, seqOffset: 0 })
    const prober = (async () => {
      for (let seq = 1_000_000; !stopProbes; seq++) {
        const payload = JSON.stringify(benchReading(sensor, seq))
        sentAt.set(seq, Date.now())
        await probe.publishAsync(`streetsense/v1/${sensor.borough}/${sensor.id}/air`, payload, { qos: 1 })
        await new Promise((r) => setTimeout(r, 100))
      }
    })()
    const poller = (async () => {
      while (!stopProbes || seenAt.size < sentAt.size) {
        const rows = await influx
          .rows(`SELECT seq FROM air WHERE sensor = '${sensor.id}' AND seq >= 1000000`, db)
          .catch(() => [])
        const now = Date.now()
        for (const r of rows) if (!seenAt.has(Number(r.seq))) seenAt.set(Number(r.seq), now)
        await new Promise((r) => setTimeout(r, 20))
        if (stopProbes && Date.now() - stoppedAt > 30_000) break
      }
    })()
    const load = await loadDone
    stopProbes = true
    stoppedAt = Date.now()
    await prober
    await poller
    await waitForCount(influx, db, total + sentAt.size, 60_000)
    const latencies = [...sentAt.entries()]
      .map(([seq, t]) => (seenAt.get(seq) ?? Number.POSITIVE_INFINITY) - t)
      .sort((a, b) => a - b)
    const achieved = total / ((load.lastAckAt - load.firstAt) / 1000)
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length, achieved }
  } finally {
    await probe.endAsync()
    await stop(proc)
    await stop(broker)
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-GB')
const runsOf = (r: { rates: number[] }) => (r.rates.length > 1 ? `(${r.rates.map(fmt).join(', ')})` : '')

/**
 * Each measurement gets a fresh influxd on an empty directory: one that has taken earlier runs'
 * points compacts them in the background and slows whatever runs next (seen: the third of three
 * runs on one influxd was 20-40% slower than the first).
 */
async function fresh<T>(measure: (influx: InfluxServer) => Promise<T>): Promise<T> {
  const influx = await startInfluxd()
  try {
    return await measure(influx)
  } finally {
    await influx.stop()
  }
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!.toFixed(1)
  try {
    // The ceiling is taken on a fresh influxd, as every pipeline run meets one. The same influxd then
    // takes a second load: a warmed-up influxd is faster, and that figure is reported beside it.
    const warmRates: number[] = []
    const rawRuns = await median('raw InfluxDB ceiling', (run) =>
      fresh(async (influx) => {
        const first = await rawCeiling(influx, `raw_${run}`)
        warmRates.push((await rawCeiling(influx, `raw_warm_${run}`)).rate)
        return first
      }),
    )
    const warm = [...warmRates].sort((a, b) => a - b)[Math.floor(warmRates.length / 2)]!
    const raw = rawRuns.rate
    if (only) {
      const run = await fresh((influx) =>
        throughput(influx, 'ingest', only, only === 'batch' ? BATCH_TOTAL : SINGLE_TOTAL),
      )
      console.error(
        `  ${only} ${fmt(run.rate)} readings/s = ${(run.rate / raw).toFixed(2)}x raw (${run.stored}/${run.sent})`,
      )
      return
    }
    const naive = await median('naive pipeline, single', (run) =>
      fresh((influx) => throughput(influx, 'naive', 'single', SINGLE_TOTAL, run)),
    )
    const single = await median('ingest, single', (run) =>
      fresh((influx) => throughput(influx, 'ingest', 'single', SINGLE_TOTAL, run)),
    )
    const batch = await median('ingest, batches of 30', (run) =>
      fresh((influx) => throughput(influx, 'ingest', 'batch', BATCH_TOTAL, run)),
    )
    console.error('latency at half rate, single...')
    const latSingle = await fresh((influx) => latency(influx, 'single', single.rate / 2))
    console.error(`  p50 ${latSingle.p50} ms, p99 ${latSingle.p99} ms`)
    console.error('latency at half rate, batches...')
    const latBatch = await fresh((influx) => latency(influx, 'batch', batch.rate / 2))
    console.error(`  p50 ${latBatch.p50} ms, p99 ${latBatch.p99} ms`)

    const goals = {
      batched: batch.rate >= raw / 2,
      single: single.rate >= 0.9 * naive.rate,
      p99: latSingle.p99 < 2000 && latBatch.p99 < 2000,
      lost: naive.stored === naive.sent && single.stored === single.sent && batch.stored === batch.sent,
    }
    const yes = (b: boolean) => (b ? 'met' : '**NOT met**')
    const report = `Medians of ${RUNS} runs each (every run listed in brackets). Run ${new Date().toISOString()} on ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${fmt(totalmem() / 2 ** 20)} MiB, Node ${process.version}, InfluxDB 1.6.7 (Debian), Aedes 1.x (memory persistence); broker, consumer, load generator (20 connections, QoS 1) and influxd share the machine, loopback only; every run on a fresh influxd (empty data directory). Load average (1 min) before the run ${loadBefore}, after ${loadavg()[0]!.toFixed(1)} (other work on the machine shares the 2 cores and skews absolute figures; the ratios compare runs made minutes apart).${quick ? ' Quick run (--quick).' : ''}

| what | result |
|---|---|
| raw InfluxDB ceiling, fresh influxd (pre-built lines, 5,000-point POSTs, 2 in flight) | ${fmt(raw)} points/s ${runsOf(rawRuns)} |
| raw ceiling of the same influxd, second load (warmed up) | ${fmt(warm)} points/s ${runsOf({ rates: warmRates })} |
| naive pipeline, single-reading messages (acks on receipt, no spool) | ${fmt(naive.rate)} readings/s ${runsOf(naive)} |
| ingest, single-reading messages | ${fmt(single.rate)} readings/s = ${(single.rate / naive.rate).toFixed(2)}x naive ${runsOf(single)} |
| ingest, batched messages (30 readings) | ${fmt(batch.rate)} readings/s = ${(batch.rate / raw).toFixed(2)}x raw ceiling (${(batch.rate / warm).toFixed(2)}x the warmed-up one) ${runsOf(batch)} |
| latency publish -> queryable at half rate, single (${fmt(latSingle.achieved)} readings/s, ${latSingle.samples} probes) | p50 ${latSingle.p50} ms, p99 ${latSingle.p99} ms |
| latency at half rate, batched (${fmt(latBatch.achieved)} readings/s, ${latBatch.samples} probes) | p50 ${latBatch.p50} ms, p99 ${latBatch.p99} ms |
| stored / sent | naive ${fmt(naive.stored)}/${fmt(naive.sent)}, single ${fmt(single.stored)}/${fmt(single.sent)}, batched ${fmt(batch.stored)}/${fmt(batch.sent)} |

Goals: batched >= half the raw ceiling: ${yes(goals.batched)}; single >= 0.9x naive: ${yes(goals.single)}; p99 < 2 s at half load: ${yes(goals.p99)}; nothing lost: ${yes(goals.lost)}.
Latency is sampled by a probe reading every 100 ms and an InfluxQL poll every ~20 ms (resolution ~20-40 ms). Rates are readings stored / (time from the first publish to InfluxDB's 204 for the last of them, as the raw ceiling is timed to its last 204), each run then checked by counting in InfluxDB.`
    console.log(report)
    const path = 'docs/benchmarks.md'
    let doc = ''
    try {
      doc = readFileSync(path, 'utf8')
    } catch {
      doc = '# Benchmarks\n'
    }
    const start = '<!-- bench:ingest:start -->'
    const end = '<!-- bench:ingest:end -->'
    const block = `${start}\n${report}\n${end}`
    doc = doc.includes(start)
      ? doc.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block)
      : `${doc.trimEnd()}\n\n## Ingest\n\n${block}\n`
    writeFileSync(path, doc)
  } finally {
    for (const c of children) c.kill('SIGKILL')
  }
}

await main()
process.exit(0)
