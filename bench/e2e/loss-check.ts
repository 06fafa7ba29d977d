/**
 * Nothing acknowledged lost: for every step and every sensor, InfluxDB must hold each seq the
 * broker acknowledged. A reading's time is BASE + seq s, so (sensor, seq) is one point and a
 * duplicate overwrites it; count, min and max of seq per sensor over the step's seq range then
 * pin the set: count = published with min/max at the range ends means every seq is there.
 */
import type { InfluxServer } from '../../test/helpers/influxd.js'
import { BASE } from '../ingest/common.js'
import type { StepResult } from './step.js'

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

export async function checkNothingLost(influx: InfluxServer, steps: StepResult[]): Promise<LossReport> {
  const report: LossReport = { acked: 0, published: 0, storedAcked: 0, lost: 0, problems: [] }
  for (const step of steps) {
    const end = step.seqStart + Math.max(...Object.values(step.published_))
    const body = await influx.query(
      `SELECT count(seq), min(seq), max(seq) FROM air WHERE time >= ${BASE + step.seqStart * 1000}ms AND time < ${BASE + end * 1000}ms AND sensor =~ /^b-/ GROUP BY sensor`,
      'streetsense',
    )
    const stored = new Map<string, { count: number; min: number; max: number }>()
    for (const s of (body.results[0]?.series ?? []) as Series[]) {
      const [, count, min, max] = s.values[0] as [unknown, number, number, number]
      stored.set(s.tags?.sensor ?? '?', { count, min, max })
    }
    for (const [sensor, published] of Object.entries(step.published_)) {
      const acked = step.acked[sensor] ?? 0
      const got = stored.get(sensor) ?? { count: 0, min: Number.NaN, max: Number.NaN }
      report.acked += acked
      report.published += published
      const exact = got.count === published && got.min === step.seqStart && got.max === step.seqStart + published - 1
      const found = exact ? acked : Math.min(acked, got.count)
      report.storedAcked += found
      if (acked === published ? !exact : got.count < acked) {
        report.lost += acked - found || 1
        report.problems.push(
          `${step.label} ${sensor}: acked ${acked}/${published}, stored ${got.count} (seq ${got.min}..${got.max})`,
        )
      }
    }
  }
  return report
}
