/**
 * bench/e2e: the whole platform against a naive pipeline doing the same job, driven by the same
 * light load generator (bench/load), in one invocation:
 * 1. the raw InfluxDB ceiling on a fresh influxd, for reference;
 * 2. paired flat-out runs (naive, streetsense; order alternating): stored readings/s, the ratio
 *    "N.NNx naive", CPU per reading of every process, and a loss check by sensor + seq;
 * 3. a latency curve: paced steps at the same offered rates for both pipelines;
 * 4. docs/benchmarks.md (bench:e2e markers) and docs/img/e2e-throughput-latency.svg.
 *   node --import tsx bench/e2e/platform-bench.ts [--quick] [--runs N] [--sensors N]
 * With --profile DIR it instead runs the streetsense broker and ingest under --cpu-prof at a
 * paced rate (--rate, default 6000) and writes the hot-path summary (bench/profile).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startInfluxd } from '../../test/helpers/influxd.js'
import { writeBenchSection } from '../machine.js'
import { rawInfluxCeiling } from './baselines.js'
import { mergeLoss } from './loss-check.js'
import { median } from './measure.js'
import { registerFleet } from './pipelines.js'
import { plotSvg } from './plot.js'
import { profileRun } from './profile-run.js'
import { renderReport } from './report.js'
import { latencyCurve, log, pairedFlatRuns } from './runs.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    sensors: { type: 'string' },
    profile: { type: 'string' },
    rate: { type: 'string', default: '6000' },
  },
})
const quick = args.quick!
const CONFIG = {
  sensors: Number(args.sensors ?? (quick ? 50 : 100)),
  runs: Number(args.runs ?? (quick ? 1 : 3)),
  rawPoints: quick ? 100_000 : 300_000,
  flatSeconds: quick ? 5 : 15,
  stepSeconds: quick ? 5 : 15,
  warmSeconds: quick ? 1.5 : 3,
  fractions: quick ? [0.25, 0.5, 1] : [0.25, 0.5, 0.75, 1, 1.25],
}

async function benchmark(): Promise<void> {
  const startedAt = Date.now()
  const loadBefore = loadavg()[0]!
  log('raw InfluxDB ceiling (fresh influxd)...')
  const influx = await startInfluxd()
  const raw = await rawInfluxCeiling(influx, CONFIG.rawPoints).finally(() => influx.stop())
  log(`registering ${CONFIG.sensors} sensors...`)
  const fleet = await registerFleet(CONFIG.sensors)
  try {
    log(`paired flat-out runs (${CONFIG.runs})...`)
    const flat = await pairedFlatRuns(fleet, {
      runs: CONFIG.runs,
      seconds: CONFIG.flatSeconds,
      warmSeconds: CONFIG.warmSeconds,
    })
    // The same offered rates for both: fractions of the faster pipeline's flat-out median.
    const flatOut = {
      naive: median(flat.filter((r) => r.pipeline === 'naive').map((r) => r.stored)),
      streetsense: median(flat.filter((r) => r.pipeline === 'streetsense').map((r) => r.stored)),
    }
    const top = Math.max(flatOut.naive, flatOut.streetsense)
    const rates = CONFIG.fractions.map((f) => ({
      label: `${Math.round(f * 100)}%`,
      rate: Math.max(10, Math.round(top * f)),
    }))
    const curve = { seconds: CONFIG.stepSeconds, warmSeconds: CONFIG.warmSeconds }
    log('latency curve, streetsense...')
    const ss = await latencyCurve('streetsense', fleet, rates, curve)
    log('latency curve, naive...')
    const naive = await latencyCurve('naive', fleet, rates, curve)
    const steps = [...ss.steps, ...naive.steps]
    const loss = mergeLoss([...flat.map((f) => f.loss), ss.loss, naive.loss])
    const title = `streetsense vs naive, ${CONFIG.sensors} sensors${quick ? ' (--quick)' : ''}`
    const img = join(import.meta.dirname, '..', '..', 'docs', 'img')
    mkdirSync(img, { recursive: true })
    writeFileSync(join(img, 'e2e-throughput-latency.svg'), plotSvg(steps, { raw, flatOut }, title))
    const md = renderReport({
      quick,
      config: CONFIG,
      raw,
      flat,
      steps,
      loss,
      loadBefore,
      loadAfter: loadavg()[0]!,
      seconds: (Date.now() - startedAt) / 1000,
    })
    writeBenchSection('e2e', md)
    console.log(md)
  } finally {
    fleet.remove()
  }
}

if (args.profile)
  await profileRun(args.profile, { sensors: CONFIG.sensors, rate: Number(args.rate), seconds: quick ? 10 : 30 })
else await benchmark()
process.exit(0)
