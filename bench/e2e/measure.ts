/** Measurements shared by the e2e, fleet and reads benchmarks: /proc samples, percentiles, rates, InfluxDB's write counter. */
import { readFileSync } from 'node:fs'
import type { InfluxServer } from '../../test/helpers/influxd.js'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** VmRSS (kB) and utime + stime (clock ticks, 10 ms) of a process; zeros once it has gone. */
export function procSample(pid: number): { rssKb: number; ticks: number } {
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

/** CPU ticks of several processes at once, keyed like the input. */
export function ticksOf<K extends string>(pids: Record<K, number>): Record<K, number> {
  return Object.fromEntries(Object.entries<number>(pids).map(([k, pid]) => [k, procSample(pid).ticks])) as Record<
    K,
    number
  >
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
}

export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (v.length === 0) return Number.NaN
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2
}

/**
 * Rate over samples of a growing count: the least-squares slope, so one sample that lands just
 * before or after a 5,000-point write does not tilt the figure.
 */
export function slopePerSecond(samples: { t: number; n: number }[]): number {
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

interface DebugVar {
  name?: string
  tags?: { database?: string }
  values?: { writePointsOk?: number }
}

/**
 * Points InfluxDB has accepted into a database (its own shard counters, /debug/vars): what is
 * queryable, known without a query that would load influxd in proportion to what it holds.
 */
export async function pointsStored(influx: InfluxServer, db = 'streetsense'): Promise<number> {
  const vars = (await (await fetch(`${influx.url}/debug/vars`)).json()) as Record<string, DebugVar>
  let n = 0
  for (const v of Object.values(vars))
    if (v?.name === 'shard' && v.tags?.database === db) n += v.values?.writePointsOk ?? 0
  return n
}

export const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0)
