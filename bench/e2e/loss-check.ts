/**
 * Nothing acknowledged lost: for every load and every sensor, InfluxDB must hold each seq the
 * broker acknowledged. A reading's time is BASE + seq x step, so (sensor, seq) is one point and a
 * duplicate overwrites it; count, min and max of seq per sensor over the load's seq range then
 * pin the set: count = published with min/max at the range ends means every seq is there.
 */
import type { InfluxServer } from '../../test/helpers/influxd.js'
import { BASE } from '../ingest/common.js'

export interface CheckedLoad {
  label: string
  seqStart: number
  publishedBySensor: Record<string, number>
  ackedBySensor: Record<string, number>
}

export interface LossReport {
  acked: number
  published: number
  storedAcked: number // acknowledged readings found (lower bound when some publishes were never acknowledged)
  lost: number
  problems: string[]
}

interface Series {
  tags?: Record<string, string>
  values: unknown[][]
}

type Stored = Map<string, { count: number; min: number; max: number }>

async function storedBySensor(
  influx: InfluxServer,
  load: CheckedLoad,
  end: number,
  opts: LossOptions,
): Promise<Stored> {
  const step = opts.timeStepMs ?? 1000
  const body = await influx.query(
    `SELECT count(seq), min(seq), max(seq) FROM air WHERE time >= ${BASE + load.seqStart * step}ms AND time < ${BASE + end * step}ms AND sensor =~ ${opts.sensors ?? '/^b-/'} GROUP BY sensor`,
    'streetsense',
  )
  const stored: Stored = new Map()
  for (const s of (body.results[0]?.series ?? []) as Series[]) {
    const [, count, min, max] = s.values[0] as [unknown, number, number, number]
    stored.set(s.tags?.sensor ?? '?', { count, min, max })
  }
  return stored
}

export interface LossOptions {
  /** InfluxQL regex of the load's sensor ids. */
  sensors?: string
  timeStepMs?: number
}

export async function checkNothingLost(
  influx: InfluxServer,
  loads: CheckedLoad[],
  opts: LossOptions = {},
): Promise<LossReport> {
  const report: LossReport = { acked: 0, published: 0, storedAcked: 0, lost: 0, problems: [] }
  for (const load of loads) {
    const end = load.seqStart + Math.max(...Object.values(load.publishedBySensor))
    const stored = await storedBySensor(influx, load, end, opts)
    for (const [sensor, published] of Object.entries(load.publishedBySensor)) {
      const acked = load.ackedBySensor[sensor] ?? 0
      if (published === 0 && acked === 0) continue
      const got = stored.get(sensor) ?? { count: 0, min: Number.NaN, max: Number.NaN }
      report.acked += acked
      report.published += published
      const exact = got.count === published && got.min === load.seqStart && got.max === load.seqStart + published - 1
      const found = exact ? acked : Math.min(acked, got.count)
      report.storedAcked += found
      if (acked === published ? !exact : got.count < acked) {
        report.lost += acked - found || 1
        report.problems.push(
          `${load.label} ${sensor}: acked ${acked}/${published}, stored ${got.count} (seq ${got.min}..${got.max})`,
        )
      }
    }
  }
  return report
}

/** Several reports as one. */
export function mergeLoss(reports: LossReport[]): LossReport {
  return reports.reduce(
    (a, r) => ({
      acked: a.acked + r.acked,
      published: a.published + r.published,
      storedAcked: a.storedAcked + r.storedAcked,
      lost: a.lost + r.lost,
      problems: [...a.problems, ...r.problems],
    }),
    { acked: 0, published: 0, storedAcked: 0, lost: 0, problems: [] },
  )
}
