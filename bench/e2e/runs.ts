/**
 * The two parts of bench/e2e, each pipeline on a fresh influxd every time:
 * - paired flat-out runs: naive and streetsense one after the other, the order alternating
 *   between runs so drift in the machine's load does not favour one;
 * - a latency curve: paced steps at the same offered rates for both pipelines.
 */
import mqtt from 'mqtt'
import { type InfluxServer, startInfluxd } from '../../test/helpers/influxd.js'
import { type FlatRun, flatOutRun } from './flat-run.js'
import { checkNothingLost, type LossReport } from './loss-check.js'
import { type Fleet, type Pipeline, type PipelineName, type ProcessEnv, startPipeline } from './pipelines.js'
import { runStep, type StepContext, type StepResult } from './step.js'

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-GB') : 'n/a')
export const log = (s: string) => process.stderr.write(`${s}\n`)

/** A pipeline on its own fresh influxd, stopped (both) whatever happens in `fn`. */
export async function withPipeline<T>(
  name: PipelineName,
  fleet: Fleet,
  fn: (p: Pipeline, influx: InfluxServer) => Promise<T>,
  env: ProcessEnv = {},
): Promise<T> {
  const influx = await startInfluxd()
  let p: Pipeline | undefined
  try {
    p = await startPipeline(name, influx, fleet, env)
    return await fn(p, influx)
  } finally {
    await p?.stop().catch((err: Error) => log(`stopping ${name}: ${err.message}`))
    await influx.stop()
  }
}

export async function pairedFlatRuns(
  fleet: Fleet,
  opts: { runs: number; seconds: number; warmSeconds: number },
): Promise<FlatRun[]> {
  const results: FlatRun[] = []
  for (let run = 1; run <= opts.runs; run++) {
    const order: PipelineName[] = run % 2 ? ['naive', 'streetsense'] : ['streetsense', 'naive']
    for (const name of order) {
      const r = await withPipeline(name, fleet, (p, influx) => flatOutRun(p, influx, { run, ...opts }))
      log(
        `  run ${run} ${name}: ${fmt(r.stored)} readings/s stored (steady ${fmt(r.steady)}), ${r.acked}/${r.published} acked, lost ${r.loss.lost}, us/reading ${Object.entries(
          r.usPerReading,
        )
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}`,
      )
      results.push(r)
    }
  }
  return results
}

export async function latencyCurve(
  name: PipelineName,
  fleet: Fleet,
  rates: { label: string; rate: number }[],
  opts: { seconds: number; warmSeconds: number },
  env: ProcessEnv = {},
): Promise<{ steps: StepResult[]; loss: LossReport }> {
  return withPipeline(
    name,
    fleet,
    async (pipeline, influx) =>
      withProbe(pipeline, influx, fleet.probe, async (ctx) => {
        const steps: StepResult[] = []
        let seqStart = 0
        for (const { label, rate } of rates) {
          const r = await runStep(ctx, { label, rate, seconds: opts.seconds, seqStart, warmSeconds: opts.warmSeconds })
          seqStart += Math.max(...Object.values(r.publishedBySensor))
          steps.push(r)
          log(
            `  ${name} ${label}: offered ${fmt(r.offered)}/s, stored ${fmt(r.stored)}/s, p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, drain ${fmt(r.drainMs)} ms`,
          )
        }
        const loss = await checkNothingLost(
          influx,
          steps.map((s) => ({ ...s, label: `${name} ${s.label}` })),
        )
        return { steps, loss }
      }),
    env,
  )
}

/** A step context with the fleet's probe sensor connected (mqtt.js, its own credentials); ended after `fn`. */
export async function withProbe<T>(
  pipeline: Pipeline,
  influx: InfluxServer,
  probe: Fleet['probe'],
  fn: (ctx: StepContext) => Promise<T>,
): Promise<T> {
  const probeClient = await mqtt.connectAsync(pipeline.url, {
    clientId: probe.id,
    username: probe.id,
    password: probe.password,
    protocolVersion: 4,
  })
  try {
    return await fn({ pipeline, influx, probeClient, probe, nextProbeSeq: 0 })
  } finally {
    await probeClient.endAsync()
  }
}
