/**
 * One flat-out run of a pipeline for the "x naive" ratio: the generator keeps every connection's
 * window full for `seconds`, then we wait until InfluxDB has accepted every acknowledged reading.
 * Stored readings/s = acknowledged readings / (first publish -> InfluxDB accepted the last of
 * them), so a pipeline that acknowledges fast and stores late is not flattered; the steady
 * slope over the loaded part is reported beside it. CPU per reading is each process's
 * utime + stime over the same span (start of load to the last point stored) / readings.
 */
import type { InfluxServer } from '../../test/helpers/influxd.js'
import { checkNothingLost, type LossReport } from './loss-check.js'
import { pointsStored, sleep, slopePerSecond, sum, ticksOf } from './measure.js'
import { type Pipeline, type PipelineName, ROLES, type Role } from './pipelines.js'

export interface FlatRun {
  run: number
  pipeline: PipelineName
  published: number
  acked: number
  stored: number // readings/s, first publish -> last acknowledged reading stored
  steady: number // readings/s, slope of points stored from warm-up to the end of the load
  drainMs: number
  usPerReading: Record<Role, number>
  loss: LossReport
}

const POLL_MS = 100

export async function flatOutRun(
  p: Pipeline,
  influx: InfluxServer,
  opts: { run: number; seconds: number; warmSeconds: number },
): Promise<FlatRun> {
  const base = await pointsStored(influx)
  const samples: { t: number; n: number }[] = []
  let polling = true
  const poller = (async () => {
    while (polling) {
      samples.push({ t: Date.now(), n: (await pointsStored(influx).catch(() => base)) - base })
      await sleep(POLL_MS)
    }
  })()
  const before = ticksOf(p.pids)
  const load = await p.load.step(0, opts.seconds, 0)
  const acked = sum(load.acked)
  const loadEnd = load.firstAt + opts.seconds * 1000
  while ((samples.at(-1)?.n ?? 0) < acked && Date.now() < loadEnd + 180_000) await sleep(POLL_MS / 2)
  polling = false
  await poller
  const after = ticksOf(p.pids)
  const storedAt = samples.find((s) => s.n >= acked)?.t ?? Number.NaN
  const steady = samples.filter((s) => s.t >= load.firstAt + opts.warmSeconds * 1000 && s.t <= loadEnd)
  const loss = await checkNothingLost(influx, [
    { label: `${p.name} run ${opts.run}`, seqStart: 0, publishedBySensor: load.published, ackedBySensor: load.acked },
  ])
  return {
    run: opts.run,
    pipeline: p.name,
    published: sum(load.published),
    acked,
    stored: (acked / (storedAt - load.firstAt)) * 1000,
    steady: slopePerSecond(steady),
    drainMs: storedAt - loadEnd,
    usPerReading: Object.fromEntries(
      ROLES.map((r) => [r, ((after[r] - before[r]) * 10_000) / Math.max(1, acked)]),
    ) as Record<Role, number>,
    loss,
  }
}
