/**
 * `bench/e2e/platform-bench.ts --profile DIR`: the streetsense pipeline of bench/e2e with its
 * broker and ingest under `node --cpu-prof` (through NODE_OPTIONS), a paced load at a moderate
 * rate, then a clean stop (SIGTERM: Node writes the profile on exit), then the summary of each
 * (bench/profile/summarize.ts) into docs/benchmarks.md between `bench:profile` markers.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { machineDetails, writeBenchSection } from '../machine.js'
import { profileMarkdown, summarizeProfiles } from '../profile/summarize.js'
import { pointsStored, sleep, sum, ticksOf } from './measure.js'
import { registerFleet } from './pipelines.js'
import { log, withPipeline } from './runs.js'

export async function profileRun(dir: string, opts: { sensors: number; rate: number; seconds: number }): Promise<void> {
  const out = resolve(dir)
  const dirs = { broker: join(out, 'broker'), ingest: join(out, 'ingest') }
  for (const d of Object.values(dirs)) {
    rmSync(d, { recursive: true, force: true })
    mkdirSync(d, { recursive: true })
  }
  const prof = (d: string) => ({ NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${d}` })
  const fleet = await registerFleet(opts.sensors)
  let usPerReading: Record<string, number> = {}
  let acked = 0
  try {
    await withPipeline(
      'streetsense',
      fleet,
      async (p, influx) => {
        log(`profiling: ${opts.rate} readings/s for ${opts.seconds} s...`)
        const before = ticksOf(p.pids)
        const load = await p.load.step(opts.rate, opts.seconds, 0)
        acked = sum(load.acked)
        while ((await pointsStored(influx)) < acked) await sleep(100)
        const after = ticksOf(p.pids)
        usPerReading = Object.fromEntries(
          Object.keys(before).map((k) => [k, ((after[k as 'broker'] - before[k as 'broker']) * 10_000) / acked]),
        )
      },
      { broker: prof(dirs.broker), ingest: prof(dirs.ingest) },
    )
  } finally {
    fleet.remove()
  }
  const cpu = Object.entries(usPerReading)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ')
  const md = `### Profile of the streetsense broker and ingest (bench/e2e/platform-bench.ts --profile)

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineDetails()}: the e2e pipeline with ${opts.sensors} sensors at a paced ${opts.rate.toLocaleString('en-GB')} readings/s for ${opts.seconds} s (${acked.toLocaleString('en-GB')} readings), broker and ingest under \`--cpu-prof\` (which itself costs some CPU). CPU per reading during the run, µs: ${cpu}.

${profileMarkdown('streetsense broker', summarizeProfiles(dirs.broker, 25))}
${profileMarkdown('streetsense ingest (main thread and check threads)', summarizeProfiles(dirs.ingest, 25))}`
  writeBenchSection('profile', md)
  console.log(md)
}
