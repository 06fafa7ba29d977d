/**
 * Bulk history throughput: a month of one borough of 200 air sensors (5-minute readings) served by
 * GET /v1/readings, page after page (limit 50,000, following the cursor), as NDJSON, CSV and
 * JSON, against the same readings fetched from influxd directly with one plain chunked InfluxQL
 * query (the baseline). Also the register process's peak memory while serving each format.
 *   node --import tsx bench/register/bulk-bench.ts [--quick] [--days N] [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openRegistry } from '../../registry/index.js'
import type { RegisterEntry } from '../../schemas/types.gen.js'
import { startInfluxd } from '../../test/helpers/influxd.js'
import { CAMDEN_AIR } from '../../test/register/fixtures.js'
import { machineDetails, writeBenchSection } from '../machine.js'
import { fmt, load, median, mib, startRegisterProcess } from './common.js'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const quick = process.argv.includes('--quick')
const SENSORS = 200
const DAYS = arg('days', quick ? 3 : 30)
const RUNS = arg('runs', quick ? 2 : 3)
const STEP = 300_000
const BOROUGH = 'E09000007'
const FROM = Date.UTC(2026, 9, 1)
const TO = FROM + DAYS * 86_400_000
const DB = 'bench'

function lines(sensor: string, n: number): string[] {
  const out: string[] = []
  for (let t = FROM, i = 0; t < TO; t += STEP, i++) {
    const pm = 5 + ((i * 7 + n) % 40) / 2
    out.push(
      `air,borough=${BOROUGH},grade=indicative,sensor=${sensor} pm1=${pm / 2},pm2_5=${pm},pm10=${pm * 1.5},no2=${20 + (i % 30)},temperature=${10 + (i % 10) / 10},relative_humidity=${60 + (i % 7)},pressure=1012.5,seq=${i}i,interval=300i,suspect=false ${t}`,
    )
  }
  return out
}

/** Reads a response body to its end, counting newline-terminated records. */
async function countLines(res: Response): Promise<number> {
  let n = 0
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) for (const b of chunk) if (b === 10) n++
  return n
}

async function viaApi(url: string, format: string, to = TO): Promise<number> {
  let count = 0
  let next: string | null =
    `${url}/v1/readings?borough=${BOROUGH}&from=${new Date(FROM).toISOString()}&to=${new Date(to).toISOString()}&limit=50000&format=${format}`
  while (next) {
    const res: Response = await fetch(next)
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`)
    const cursor = res.headers.get('x-next-cursor')
    const n = await countLines(res)
    // CSV has a header line; a JSON page has one newline before each reading and two around its end.
    count += format === 'csv' ? n - 1 : format === 'json' ? n - 2 : n
    next = cursor ? (res.headers.get('link') ?? '').replace(/^<([^>]+)>.*$/, '$1') : null
  }
  return count
}

async function viaInflux(influxUrl: string): Promise<number> {
  const q = `SELECT * FROM "air" WHERE "borough" = '${BOROUGH}' AND time >= ${FROM}ms AND time < ${TO}ms`
  const body = new URLSearchParams({ db: DB, q, epoch: 'ms', chunked: 'true', chunk_size: '10000' })
  const res = await fetch(`${influxUrl}/query`, { method: 'POST', body })
  let rows = 0
  let pending = ''
  const decoder = new TextDecoder()
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true })
    let nl = pending.indexOf('\n')
    while (nl >= 0) {
      const doc = JSON.parse(pending.slice(0, nl)) as { results: { series?: { values: unknown[] }[] }[] }
      for (const s of doc.results[0]?.series ?? []) rows += s.values.length
      pending = pending.slice(nl + 1)
      nl = pending.indexOf('\n')
    }
  }
  return rows
}

async function main() {
  const loadBefore = load()
  const influx = await startInfluxd()
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-bulk-'))
  await influx.createDatabase(DB)
  const registry = openRegistry(dataDir)
  const written0 = Date.now()
  for (let n = 0; n < SENSORS; n++) {
    const id = `bench-aq-${String(n).padStart(3, '0')}`
    registry.addSensor({ ...CAMDEN_AIR, id, name: `Bench ${n}` } as RegisterEntry, 'bench')
    await influx.write(DB, lines(id, n).join('\n'), 'ms')
  }
  registry.close()
  const total = SENSORS * Math.ceil((TO - FROM) / STEP)
  const writeSeconds = (Date.now() - written0) / 1000
  const reg = await startRegisterProcess({ dataDir, influxUrl: influx.url, db: DB })
  const results: { name: string; runs: number[]; rss?: number; heap?: number }[] = []
  const timed = async (fn: () => Promise<number>) => {
    const t0 = performance.now()
    const n = await fn()
    if (n !== total) throw new Error(`expected ${total} readings, got ${n}`)
    return n / ((performance.now() - t0) / 1000)
  }
  const influxRuns: number[] = []
  for (let r = 0; r < RUNS; r++) influxRuns.push(await timed(() => viaInflux(influx.url)))
  results.push({ name: 'InfluxQL, chunked, direct from influxd (baseline)', runs: influxRuns })
  for (const format of ['ndjson', 'csv', 'json']) {
    const runs: number[] = []
    await reg.memory(true)
    for (let r = 0; r < RUNS; r++) runs.push(await timed(() => viaApi(reg.url, format)))
    const m = await reg.memory()
    results.push({ name: `GET /v1/readings format=${format}`, runs, rss: m.rss, heap: m.heapUsed })
  }
  // Memory against range: one day, then every day, each after a fresh peak window.
  const heapFor = async (to: number) => {
    await reg.memory(true)
    await viaApi(reg.url, 'ndjson', to)
    return (await reg.memory()).heapUsed
  }
  const oneDay = await heapFor(FROM + 86_400_000)
  const allDays = await heapFor(TO)
  await reg.stop()
  await influx.stop()
  rmSync(dataDir, { recursive: true, force: true })
  report(results, total, writeSeconds, loadBefore, { oneDay, allDays })
}

function report(
  results: { name: string; runs: number[]; rss?: number; heap?: number }[],
  total: number,
  writeSeconds: number,
  loadBefore: string,
  heap: { oneDay: number; allDays: number },
) {
  const base = median(results[0]!.runs)
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.runs.map(fmt).join(' / ')} | ${fmt(median(r.runs))} | ${(median(r.runs) / base).toFixed(2)} | ${r.rss ? `${mib(r.rss)} / ${mib(r.heap!)}` : '—'} |`,
  )
  const md = `### Bulk history (bench/register/bulk-bench.ts)

Measured ${new Date().toISOString().slice(0, 10)} on ${machineDetails()}. **The machine was shared with other engineers' builds and tests** (load average before: ${loadBefore}; after: ${load()}), so absolute figures are low and noisy; the ratio, measured in the same invocation, is the figure to compare. Run: \`npm run bench:bulk\`${quick ? ' (this table: `--quick`)' : ''}.

Data: ${SENSORS} air sensors in one borough, one reading every 5 minutes for ${DAYS} days: ${fmt(total)} readings (8 fields each), written to influxd 1.6.7 in ${writeSeconds.toFixed(0)} s. The API reads the whole range page after page (limit 50,000, following the cursor) and the client counts the records as they stream; the baseline is one plain chunked \`SELECT *\` of the same readings from influxd, parsed. The register runs in its own process; its peak memory is over all runs of that format.

| what | readings/s, each run | median | ratio to baseline | register peak RSS / heap, MiB |
| --- | --- | ---: | ---: | ---: |
${rows.join('\n')}

The API does more per reading than the baseline: it plans each page (bounded counts), reads the same rows with every column, puts each reading in the order promised (sensor, time, lane, direction), judges each reading's data status (raw, provisional, ratified) against the sensor's ratifications, rounds values and writes JSON, NDJSON or CSV. What the register holds is bounded by the page size, not the range: one InfluxDB chunk (5,000 rows) and the page's plan, never the page itself. Peak heap of the register serving NDJSON for 1 day (${fmt(total / DAYS)} readings): ${mib(heap.oneDay)} MiB; for all ${DAYS} days (${fmt(total)} readings): ${mib(heap.allDays)} MiB: ${DAYS} times the readings, ${(heap.allDays / heap.oneDay).toFixed(1)} times the peak (peaks include garbage not yet collected).`
  writeBenchSection('bulk', md)
  console.log(md)
}

await main()
