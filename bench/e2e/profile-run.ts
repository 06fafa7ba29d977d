/**
 * `bench/e2e/platform-bench.ts --profile DIR`: both pipelines of bench/e2e, one after the other,
 * with their broker and consumer under `node --cpu-prof` at the same paced, moderate rate, then a
 * clean stop (SIGTERM: Node writes the profile on exit), then the summary of each
 * (bench/profile/summarize.ts) into docs/benchmarks.md between `bench:profile` markers. Only the
 * samples from the first publish until the last reading was stored count. Plain Aedes and the
 * naive consumer are there to show what the streetsense broker and ingest add.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { machineDetails, writeBenchSection } from '../machine.js'
import { type ProfileWindow, profileMarkdown, summarizeProfiles } from '../profile/summarize.js'
import { pointsStored, sleep, sum, ticksOf } from './measure.js'
import { type Fleet, type PipelineName, registerFleet } from './pipelines.js'
import { log, withPipeline } from './runs.js'

interface Profiled {
  name: PipelineName
  dirs: { broker: string; ingest: string }
  window: ProfileWindow
  acked: number
  usPerReading: Record<string, number>
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n)

async function profileOne(name: PipelineName, fleet: Fleet, out: string, rate: number, seconds: number) {
  const dirs = { broker: join(out, name, 'broker'), ingest: join(out, name, 'ingest') }
  for (const d of Object.values(dirs)) {
    rmSync(d, { recursive: true, force: true })
    mkdirSync(d, { recursive: true })
  }
  const prof = (d: string) => ({ nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${d}`] })
  const result: Profiled = { name, dirs, window: { fromUs: 0, toUs: 0 }, acked: 0, usPerReading: {} }
  await withPipeline(
    name,
    fleet,
    async (p, influx) => {
      log(`profiling ${name}: ${rate} readings/s for ${seconds} s...`)
      const before = ticksOf(p.pids)
      result.window.fromUs = nowUs()
      const load = await p.load.step(rate, seconds, 0)
      result.acked = sum(load.acked)
      while ((await pointsStored(influx)) < result.acked) await sleep(100)
      const after = ticksOf(p.pids)
      result.window.toUs = nowUs()
      for (const k of Object.keys(before) as (keyof typeof before)[])
        result.usPerReading[k] = ((after[k] - before[k]) * 10_000) / result.acked
    },
    { broker: prof(dirs.broker), ingest: prof(dirs.ingest) },
  )
  return result
}

export async function profileRun(dir: string, opts: { sensors: number; rate: number; seconds: number }): Promise<void> {
  const out = resolve(dir)
  const fleet = await registerFleet(opts.sensors)
  const runs: Profiled[] = []
  try {
    for (const name of ['streetsense', 'naive'] as const)
      runs.push(await profileOne(name, fleet, out, opts.rate, opts.seconds))
  } finally {
    fleet.remove()
  }
  const cpu = (r: Profiled) =>
    Object.entries(r.usPerReading)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')
  const [ss, naive] = runs as [Profiled, Profiled]
  const md = `### Profiles (bench/e2e/platform-bench.ts --profile)

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineDetails()}: each e2e pipeline with ${opts.sensors} sensors at a paced ${opts.rate.toLocaleString('en-GB')} readings/s for ${opts.seconds} s, its broker and consumer under \`--cpu-prof\` (which itself costs some CPU); only the samples from the first publish until the last reading was stored count (not start-up). The profiler samples the main thread whether it is on the CPU or blocked in a system call (an fsync shows as time in the function that called it). CPU per reading during the run, µs: streetsense ${cpu(ss)}; naive ${cpu(naive)}.

${profileMarkdown('streetsense broker', summarizeProfiles(ss.dirs.broker, 25, ss.window))}
${profileMarkdown('plain Aedes (naive pipeline)', summarizeProfiles(naive.dirs.broker, 15, naive.window))}
${profileMarkdown('streetsense ingest (main thread and check threads)', summarizeProfiles(ss.dirs.ingest, 25, ss.window))}
${profileMarkdown('naive consumer', summarizeProfiles(naive.dirs.ingest, 15, naive.window))}`
  writeBenchSection('profile', md)
  console.log(md)
}
