/**
 * Which ratification applies when (docs/data-quality.md): a time range cut into segments, each
 * either outside every ratified period (automated QC decides) or inside the period of one
 * ratification version, with the operator's decisions that cover it. For any time the highest
 * version whose period covers it applies; `asOf` gives the data as it stood after that version.
 */
import type { Ratification, RatificationDecision } from '../../registry/index.js'

export type Mode = 'auto' | 'exclude' | 'accept'

export interface Segment {
  from: number
  to: number
  /** The ratification version covering this segment; undefined outside every ratified period. */
  version?: number
  /** The operator's decisions covering the whole segment, in the order they were given. */
  decisions: RatificationDecision[]
}

/** How a field's values are judged in a segment: the last decision naming it (or `*`) wins. */
export function modeOf(segment: Segment, field: string): Mode {
  for (let i = segment.decisions.length - 1; i >= 0; i--) {
    const d = segment.decisions[i]!
    if (d.fields.includes(field) || d.fields.includes('*')) return d.action
  }
  return 'auto'
}

export function segmentsOf(ratifications: readonly Ratification[], from: number, to: number, asOf?: number): Segment[] {
  const relevant = ratifications.filter((r) => asOf === undefined || r.version <= asOf)
  const cuts = new Set<number>([from, to])
  for (const r of relevant) {
    for (const t of [r.from, r.to, ...r.decisions.flatMap((d) => [d.from, d.to])]) {
      const ms = Date.parse(t)
      if (ms > from && ms < to) cuts.add(ms)
    }
  }
  const bounds = [...cuts].sort((a, b) => a - b)
  const out: Segment[] = []
  for (let i = 0; i + 1 < bounds.length; i++) {
    const segment = segmentAt(relevant, bounds[i]!, bounds[i + 1]!)
    const last = out[out.length - 1]
    if (last && sameState(last, segment)) last.to = segment.to
    else out.push(segment)
  }
  return out
}

function segmentAt(ratifications: readonly Ratification[], from: number, to: number): Segment {
  let top: Ratification | undefined
  for (const r of ratifications) {
    if (Date.parse(r.from) <= from && from < Date.parse(r.to) && (!top || r.version > top.version)) top = r
  }
  if (!top) return { from, to, decisions: [] }
  const decisions = top.decisions.filter((d) => Date.parse(d.from) <= from && from < Date.parse(d.to))
  return { from, to, version: top.version, decisions }
}

function sameState(a: Segment, b: Segment): boolean {
  return (
    a.version === b.version &&
    a.decisions.length === b.decisions.length &&
    a.decisions.every((d, i) => d === b.decisions[i])
  )
}

/** The segment holding time `t` (segments are sorted and contiguous). */
export function segmentHolding(segments: readonly Segment[], t: number): Segment | undefined {
  return segments.find((s) => s.from <= t && t < s.to)
}
