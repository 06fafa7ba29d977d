/**
 * One load step of bench/e2e: the load generator offers `rate` readings/s for `seconds`, while
 * this process (one clock for both ends) publishes a probe reading every PROBE_MS and polls
 * InfluxDB until each probe is queryable, polls the step's stored count, and samples every
 * process's VmRSS and CPU time from /proc.
 */
import { readFileSync } from 'node:fs'
import type { MqttClient } from 'mqtt'
import type { InfluxServer } from '../../test/helpers/influxd.js'
import { BASE, benchReading } from '../ingest/common.js'
import type { FleetSensor, Platform } from './platform.js'

const PROBE_MS = 50
const PROBE_POLL_MS = 50
const COUNT_POLL_MS = 250
type Role = keyof Platform['pids']

export interface StepResult {
  label: string
  offered: number // readings/s asked of the load generator (flat out: what it managed)
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
  published_: Record<string, number>
  acked: Record<string, number>
  seqStart: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function procSample(pid: number): { rssKb: number; ticks: number } {
  try {
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
    // Fields after the ")" of comm: state is field 3; utime and stime are fields 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { rssKb, ticks: Number(f[11]) + Number(f[12]) }
  } catch {
    return { rssKb: 0, ticks: 0 }
  }
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
}

/**
 * Stored rate over the steady part of a step (warm-up end to load end): the least-squares
 * slope of the polled counts, so one poll that lands just before or after a 5,000-point write
 * does not tilt the figure.
 */
function slopePerSecond(samples: { t: number; n: number }[]): number {
  if (samples.length < 3) return Number.NaN
  const mt = samples.reduce((a, c) => a + c.t, 0) / samples.length
  const mn = samples.reduce((a, c) => a + c.n, 0) / samples.length
  let num = 0
  let den = 0
  for (const c of samples) {
    num += (c.t - mt) * (c.n - mn)
    den += (c.t - mt) ** 2
  }
  return den > 0 ? (num / den) * 1000 : Number.NaN
}

export interface StepContext {
  platform: Platform
  influx: InfluxServer
  probeClient: MqttClient
  probe: FleetSensor
  nextProbeSeq: number
}

export async function runStep(
  ctx: StepContext,
  opts: { label: string; rate: number; seconds: number; seqStart: number; warmSeconds: number },
): Promise<StepResult> {
  const { platform, influx, probe } = ctx
  const roles = Object.keys(platform.pids) as Role[]
  const peakKb = Object.fromEntries(roles.map((r) => [r, 0])) as Record<Role, number>
  const sampleAll = () =>
    Object.fromEntries(roles.map((r) => [r, procSample(platform.pids[r])])) as Record<
      Role,
      ReturnType<typeof procSample>
    >
  let done = false
  const sampler = (async () => {
    while (!done) {
      const s = sampleAll()
      for (const r of roles) peakKb[r] = Math.max(peakKb[r], s[r].rssKb)
      await sleep(250)
    }
  })()

  const countQuery = `SELECT count(seq) FROM air WHERE time >= ${BASE + opts.seqStart * 1000}ms AND sensor =~ /^b-/`
  const counts: { t: number; n: number }[] = []
  const countNow = async () => Number((await influx.rows(countQuery, 'streetsense').catch(() => []))[0]?.count ?? 0)
  const counter = (async () => {
    while (!done) {
      const n = await countNow()
      counts.push({ t: Date.now(), n })
      await sleep(COUNT_POLL_MS)
    }
  })()

  // Probes: sent while the load runs; seen when a poll of InfluxDB first returns them.
  const probeSeqStart = ctx.nextProbeSeq
  const sentAt = new Map<number, number>()
  const seenAt = new Map<number, number>()
  let loadRunning = true
  const prober = (async () => {
    while (loadRunning) {
      const seq = ctx.nextProbeSeq++
      sentAt.set(seq, Date.now())
      const payload = JSON.stringify(benchReading(probe, seq))
      void ctx.probeClient.publishAsync(`streetsense/v1/${probe.borough}/${probe.id}/air`, payload, { qos: 1 })
      await sleep(PROBE_MS)
    }
  })()
  let pollProbes = true
  const probeQuery = `SELECT seq FROM air WHERE sensor = '${probe.id}' AND time >= ${BASE + probeSeqStart * 1000}ms`
  const poller = (async () => {
    while (pollProbes) {
      const rows = await influx.rows(probeQuery, 'streetsense').catch(() => [])
      const now = Date.now()
      for (const r of rows) if (!seenAt.has(Number(r.seq))) seenAt.set(Number(r.seq), now)
      if (!loadRunning && seenAt.size >= sentAt.size) break
      await sleep(PROBE_POLL_MS)
    }
  })()

  const before = sampleAll()
  const t0 = Date.now()
  const loadDone = platform.step(opts.rate, opts.seconds, opts.seqStart)
  // CPU is measured over the loaded part only, not the drain.
  await sleep(opts.seconds * 1000)
  const after = sampleAll()
  const cpuWall = (Date.now() - t0) / 1000
  loadRunning = false
  await prober
  const load = await loadDone
  const loadEnd = load.firstAt + opts.seconds * 1000
  const ackedTotal = Object.values(load.acked).reduce((a, b) => a + b, 0)
  const publishedTotal = Object.values(load.published).reduce((a, b) => a + b, 0)

  // Drain: wait until every acknowledged reading of this step is queryable.
  let drainedAt = Number.NaN
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(250)) {
    if ((await countNow()) >= ackedTotal) {
      drainedAt = Date.now()
      break
    }
  }
  const probeDeadline = Date.now() + 30_000
  while (seenAt.size < sentAt.size && Date.now() < probeDeadline) await sleep(100)
  pollProbes = false
  done = true
  await Promise.all([poller, counter, sampler])

  const steady = counts.filter((c) => c.t >= load.firstAt + opts.warmSeconds * 1000 && c.t <= loadEnd)
  const stored = slopePerSecond(steady)
  const latencies = [...sentAt].map(([seq, t]) => (seenAt.get(seq) ?? Number.POSITIVE_INFINITY) - t)
  latencies.sort((a, b) => a - b)
  const seen = latencies.filter(Number.isFinite)
  return {
    label: opts.label,
    offered: opts.rate > 0 ? opts.rate : publishedTotal / opts.seconds,
    published: publishedTotal / opts.seconds,
    stored,
    storedWithDrain: (ackedTotal / (drainedAt - load.firstAt)) * 1000,
    p50: percentile(seen, 50),
    p99: percentile(seen, 99),
    probes: sentAt.size,
    probesLost: sentAt.size - seen.length,
    drainMs: drainedAt - loadEnd,
    rssMiB: Object.fromEntries(roles.map((r) => [r, peakKb[r] / 1024])) as Record<Role, number>,
    cores: Object.fromEntries(roles.map((r) => [r, (after[r].ticks - before[r].ticks) / 100 / cpuWall])) as Record<
      Role,
      number
    >,
    published_: load.published,
    acked: load.acked,
    seqStart: opts.seqStart,
  }
}
