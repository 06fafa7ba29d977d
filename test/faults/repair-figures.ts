/**
 * Gap repair in the fault tests: the ingest's short repair periods (settings, not sleeps) and its
 * repair counters read from its /metrics.
 */
import { waitFor } from '../helpers/ports.js'
import type { IngestProcess } from '../helpers/processes.js'

/** Short gap repair periods for tests (the defaults wait 30 s before asking, 60 s between asks). */
export const REPAIR_ARGS = [
  '--repair-grace-ms',
  '500',
  '--repair-backoff-ms',
  '1000',
  '--repair-max-backoff-ms',
  '4000',
  '--repair-tick-ms',
  '100',
  '--repair-max-attempts',
  '30',
]

export interface RepairFigures {
  /** Readings that arrived in opened gaps. */
  recovered: number
  gapsOpened: number
  gapsRepaired: number
  gapsUnrecoverable: number
  resendRequests: number
  /** Mean time from noticing a gap to its last reading arriving, seconds. */
  meanRepairSeconds: number
  /** Gaps noticed and still in their grace period now. */
  gapsInGrace: number
  /** Gaps followed now (in grace or being repaired). */
  gapsOpenNow: number
}

/** Gap repair's counters from the ingest's /metrics (since that ingest started). */
export async function repairFigures(ingest: IngestProcess): Promise<RepairFigures> {
  const text = await (await fetch(`${ingest.opsUrl}/metrics`)).text()
  const sum = (name: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`streetsense_ingest_${name}`) && !l.startsWith('#'))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
  return {
    recovered: sum('readings_recovered_total'),
    gapsOpened: sum('gaps_opened_total'),
    gapsRepaired: sum('gaps_repaired_total'),
    gapsUnrecoverable: sum('gaps_unrecoverable_total'),
    resendRequests: sum('resend_requests_total'),
    meanRepairSeconds: sum('gap_repair_seconds_sum') / Math.max(1, sum('gap_repair_seconds_count')),
    gapsInGrace: sum('gaps_open{state="grace"}'),
    gapsOpenNow: sum('gaps_open{'),
  }
}

/** The figures once gap repair has nothing open (its tick may lag the last reading stored). */
export async function settledRepair(ingest: IngestProcess): Promise<RepairFigures> {
  await waitFor(async () => (await repairFigures(ingest)).gapsOpenNow === 0, 10_000, 'no gap open').catch(
    () => undefined,
  )
  return repairFigures(ingest)
}

export const describeRepair = (r: RepairFigures): string =>
  `repaired=${r.recovered} gaps_opened=${r.gapsOpened} gaps_repaired=${r.gapsRepaired} gaps_unrecoverable=${r.gapsUnrecoverable} resend_requests=${r.resendRequests} mean_repair_s=${r.meanRepairSeconds.toFixed(1)}`
