/**
 * One paced load step of bench/e2e: the load generator offers `rate` readings/s for `seconds`,
 * while this process (one clock for both ends) publishes a probe reading every PROBE_MS and
 * polls InfluxDB until each probe is queryable, follows InfluxDB's count of accepted points, and
 * samples every process's VmRSS and CPU time from /proc.
 */
import type { MqttClient } from 'mqtt'
import type { InfluxServer } from '../../test/helpers/influxd.js'
import { BASE, benchReading } from '../ingest/common.js'
import type { PacketSensor } from '../load/packets.js'
import { percentile, pointsStored, procSample, sleep, slopePerSecond, sum, ticksOf } from './measure.js'
import { type Pipeline, type PipelineName, ROLES, type Role } from './pipelines.js'

const PROBE_MS = 50
const PROBE_POLL_MS = 50
const COUNT_POLL_MS = 250

export interface StepResult {
  pipeline: PipelineName
  label: string
  offered: number // readings/s asked of the load generator
  published: number // readings/s the generator got out (the broker holds publishers back when overloaded)
  stored: number // readings/s that became queryable in the steady part of the step
  storedWithDrain: number // all acknowledged readings / (first publish -> last one queryable)
  p50: number
  p99: number
  probes: number
  probesLost: number
  drainMs: number // from the end of the load until the last acknowledged reading was queryable
  rssMiB: Record<Role, number> // peak VmRSS during the step
  cores: Record<Role, number> // CPU time / wall time over the loaded part of the step
  publishedBySensor: Record<string, number>
  ackedBySensor: Record<string, number>
  seqStart: number
}

export interface StepContext {
  pipeline: Pipeline
  influx: InfluxServer
  probeClient: MqttClient
  probe: PacketSensor
  nextProbeSeq: number
}

/** Runs `fn` every `ms` until the returned stop() is awaited. */
function every(ms: number, fn: () => Promise<void> | void): () => Promise<void> {
  let on = true
  const loop = (async () => {
    while (on) {
      await fn()
      await sleep(ms)
    }
  })()
  return async () => {
    on = false
    await loop
  }
}

/** Probe readings published every PROBE_MS while `running()`, and when a poll first saw each. */
function probeLatency(ctx: StepContext, running: () => boolean) {
  const { probe, influx } = ctx
  const first = ctx.nextProbeSeq
  const sentAt = new Map<number, number>()
  const seenAt = new Map<number, number>()
  const topic = `streetsense/v1/${probe.borough}/${probe.id}/air`
  const stopSending = every(PROBE_MS, () => {
    if (!running()) return
    const seq = ctx.nextProbeSeq++
    sentAt.set(seq, Date.now())
    void ctx.probeClient.publishAsync(topic, JSON.stringify(benchReading(probe, seq)), { qos: 1 })
  })
  const query = `SELECT seq FROM air WHERE sensor = '${probe.id}' AND time >= ${BASE + first * 1000}ms`
  const stopPolling = every(PROBE_POLL_MS, async () => {
    const rows = await influx.rows(query, 'streetsense').catch(() => [])
    const now = Date.now()
    for (const r of rows) if (!seenAt.has(Number(r.seq))) seenAt.set(Number(r.seq), now)
  })
  return {
    sent: () => sentAt.size,
    async finish(deadline: number) {
      await stopSending()
      while (seenAt.size < sentAt.size && Date.now() < deadline) await sleep(100)
      await stopPolling()
      const latencies = [...sentAt].map(([seq, t]) => (seenAt.get(seq) ?? Number.POSITIVE_INFINITY) - t)
      const seen = latencies.filter(Number.isFinite).sort((a, b) => a - b)
      return {
        p50: percentile(seen, 50),
        p99: percentile(seen, 99),
        probes: sentAt.size,
        lost: sentAt.size - seen.length,
      }
    },
  }
}

export async function runStep(
  ctx: StepContext,
  opts: { label: string; rate: number; seconds: number; seqStart: number; warmSeconds: number },
): Promise<StepResult> {
  const { pipeline, influx } = ctx
  const peakKb = Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number>
  const stopRss = every(250, () => {
    for (const r of ROLES) peakKb[r] = Math.max(peakKb[r], procSample(pipeline.pids[r]).rssKb)
  })
  // Points stored by the load: InfluxDB's counter less the probe readings sent (the probe's are 20/s).
  let loadRunning = true
  const probes = probeLatency(ctx, () => loadRunning)
  const base = await pointsStored(influx)
  const stored = async () => (await pointsStored(influx).catch(() => base)) - base - probes.sent()
  const counts: { t: number; n: number }[] = []
  const stopCounting = every(COUNT_POLL_MS, async () => {
    counts.push({ t: Date.now(), n: await stored() })
  })

  const before = ticksOf(pipeline.pids)
  const t0 = Date.now()
  const loadDone = pipeline.load.step(opts.rate, opts.seconds, opts.seqStart)
  await sleep(opts.seconds * 1000) // CPU is measured over the loaded part only, not the drain
  const after = ticksOf(pipeline.pids)
  const cpuWall = (Date.now() - t0) / 1000
  loadRunning = false
  const load = await loadDone
  const loadEnd = load.firstAt + opts.seconds * 1000
  const acked = sum(load.acked)
  let drainedAt = Number.NaN
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(100)) {
    if ((await stored()) >= acked) {
      drainedAt = Date.now()
      break
    }
  }
  const { lost, ...latency } = await probes.finish(Date.now() + 30_000)
  await Promise.all([stopCounting(), stopRss()])
  const steady = counts.filter((c) => c.t >= load.firstAt + opts.warmSeconds * 1000 && c.t <= loadEnd)
  return {
    pipeline: pipeline.name,
    label: opts.label,
    offered: opts.rate > 0 ? opts.rate : sum(load.published) / opts.seconds,
    published: sum(load.published) / opts.seconds,
    stored: slopePerSecond(steady),
    storedWithDrain: (acked / (drainedAt - load.firstAt)) * 1000,
    ...latency,
    probesLost: lost,
    drainMs: drainedAt - loadEnd,
    rssMiB: Object.fromEntries(ROLES.map((r) => [r, peakKb[r] / 1024])) as Record<Role, number>,
    cores: Object.fromEntries(ROLES.map((r) => [r, (after[r] - before[r]) / 100 / cpuWall])) as Record<Role, number>,
    publishedBySensor: load.published,
    ackedBySensor: load.acked,
    seqStart: opts.seqStart,
  }
}
