/**
 * bench/reads: do public reads slow device intake? The streetsense pipeline of bench/e2e (broker,
 * ingest with the register and open data API on its HTTP port, influxd) takes a paced device
 * load (bench/load) while a probe sensor measures publish -> queryable; steps alternate between
 * quiet and loaded, where loaded means `clients` public readers, each from its own address at
 * the register's rate limit (600 requests a minute per address by default), over a mix of
 * register pages and open data queries (bench/reads/http-load.ts). Writes docs/benchmarks.md
 * (bench:reads markers).
 *   node --import tsx bench/reads/reads-bench.ts [--rate 2000] [--clients 20] [--per-client 10]
 *     [--seconds 20] [--pairs 3] [--quick]
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { checkNothingLost } from '../e2e/loss-check.js'
import { type Pipeline, registerFleet } from '../e2e/pipelines.js'
import { log, withPipeline, withProbe } from '../e2e/runs.js'
import { runStep, type StepContext } from '../e2e/step.js'
import { writeBenchSection } from '../machine.js'
import { type HttpLoad, type ReadStep, readsMarkdown } from './report.js'

const { values: a } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '20' },
    'per-client': { type: 'string', default: '10' },
    seconds: { type: 'string' },
    pairs: { type: 'string' },
    sensors: { type: 'string', default: '100' },
    quick: { type: 'boolean', default: false },
  },
})
const CONFIG = {
  rate: Number(a.rate),
  clients: Number(a.clients),
  perClient: Number(a['per-client']),
  seconds: Number(a.seconds ?? (a.quick ? 8 : 20)),
  pairs: Number(a.pairs ?? (a.quick ? 1 : 3)),
  sensors: Number(a.sensors),
  warmSeconds: 2,
}

function httpLoad(p: Pipeline, sensors: string[]): Promise<HttpLoad> {
  const o = { url: p.httpUrl, clients: CONFIG.clients, perSecond: CONFIG.perClient, seconds: CONFIG.seconds, sensors }
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/reads/http-load.ts', JSON.stringify(o)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => resolve(JSON.parse(line) as HttpLoad))
    child.once('exit', (code) => code !== 0 && reject(new Error(`http-load exited with ${code}`)))
  })
}

async function steps(p: Pipeline, ctx: StepContext, sensors: string[]): Promise<ReadStep[]> {
  const out: ReadStep[] = []
  let seqStart = 0
  const go = async (label: string, loaded: boolean) => {
    const http = loaded ? httpLoad(p, sensors) : undefined
    const r = await runStep(ctx, {
      label,
      rate: CONFIG.rate,
      seconds: CONFIG.seconds,
      seqStart,
      warmSeconds: CONFIG.warmSeconds,
    })
    seqStart += Math.max(...Object.values(r.publishedBySensor))
    const step = { loaded, step: r, ...(http ? { http: await http } : {}) }
    log(
      `  ${label}: device p50 ${r.p50} ms, p99 ${r.p99} ms${step.http ? `, HTTP ${JSON.stringify(step.http.statuses)} p99 ${step.http.p99} ms` : ''}`,
    )
    out.push(step)
  }
  await go('warm-up (not counted)', false)
  for (let pair = 1; pair <= CONFIG.pairs; pair++) {
    // Alternate which comes first, so drift in the machine's load does not favour one.
    const order = pair % 2 ? [false, true] : [true, false]
    for (const loaded of order) await go(`${loaded ? 'loaded' : 'quiet'} ${pair}`, loaded)
  }
  return out
}

async function main(): Promise<void> {
  const startedAt = Date.now()
  const fleet = await registerFleet(CONFIG.sensors)
  try {
    const { results, loss } = await withPipeline('streetsense', fleet, (p, influx) =>
      withProbe(p, influx, fleet.probe, async (ctx) => {
        const results = await steps(
          p,
          ctx,
          fleet.sensors.map((s) => s.id),
        )
        return {
          results,
          loss: await checkNothingLost(
            influx,
            results.map((r) => r.step),
          ),
        }
      }),
    )
    const md = readsMarkdown({
      config: CONFIG,
      steps: results.slice(1),
      loss,
      seconds: (Date.now() - startedAt) / 1000,
    })
    writeBenchSection('reads', md)
    console.log(md)
  } finally {
    fleet.remove()
  }
}

await main()
process.exit(0)
