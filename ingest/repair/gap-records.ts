/**
 * A sensor's gaps as gap repair follows them: each tick the sensor's missing ranges (neither
 * stored nor closed) are matched with the gaps already known. A gap shrinks as its readings
 * arrive and is repaired when none is missing; a missing range no gap covers is a new gap, which
 * waits out the grace period (a late or reordered delivery fills it without any request).
 */
import { type Range, SeqSet } from '../stats/seq-set.js'

export interface Gap {
  first: number
  last: number
  /** Seqs of first..last still missing. */
  missing: number
  noticedAt: number
  /** When the grace period ended with the gap still there (it counts as opened from then). */
  openedAt?: number
  /** Resend requests sent. */
  attempts: number
  /** When the gap is next looked at (end of grace, then of each backoff). */
  nextAt: number
  lastRequestAt?: number
  /** `missing` when the last request went, to see a device answering. */
  missingAtRequest?: number
}

export interface Reconciled {
  /** The gaps still open, lowest first. */
  gaps: Gap[]
  /** Opened gaps whose readings have all arrived. */
  repaired: Gap[]
  /** Readings that arrived in opened gaps since the last tick. */
  recovered: number
}

export function reconcile(known: readonly Gap[], missing: readonly Range[], now: number, graceMs: number): Reconciled {
  const missingSet = SeqSet.fromRanges(missing)
  const out: Reconciled = { gaps: [], repaired: [], recovered: 0 }
  for (const g of known) {
    const n = missingSet.count(g.first, g.last)
    if (g.openedAt !== undefined) out.recovered += Math.max(0, g.missing - n)
    if (n === 0) {
      if (g.openedAt !== undefined) out.repaired.push(g)
      continue
    }
    g.missing = n
    g.first = missingSet.ceil(g.first)!
    g.last = missingSet.floor(g.last)!
    out.gaps.push(g)
  }
  const covered = SeqSet.fromRanges(out.gaps.map((g): Range => [g.first, g.last]))
  for (const [a, b] of missing) {
    for (const [first, last] of covered.holes(a, b)) {
      out.gaps.push({ first, last, missing: last - first + 1, noticedAt: now, attempts: 0, nextAt: now + graceMs })
    }
  }
  out.gaps.sort((x, y) => x.first - y.first)
  return out
}
