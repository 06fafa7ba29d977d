/**
 * Turns driver samples into readings: contiguous windows of `interval` seconds aligned to the UTC
 * epoch (a 60 s window starts on the minute). Air: the mean of each field over the window (a
 * window with no samples gives no reading). Traffic: counts per class summed over the window,
 * zeros included for every class the node counts, and only whole windows (the first, partial
 * window after start is dropped, because a partial count would read as a quiet street).
 * The reading's `time` is the window start; the outbox gives it its sequence number.
 */
import type { AirValues, Reading, TrafficCounts } from '../../schemas/index.js'
import type { TrafficClass } from '../config.js'
import type { Sample } from '../sensors/driver.js'

export type ReadingDraft = Omit<Reading, 'seq'>

export interface AggregatorOptions {
  sensor: string
  borough: string
  kind: 'air' | 'traffic'
  grade: 'reference' | 'indicative' | 'citizen'
  intervalSeconds: number
  /** Classes a traffic node counts (reported as 0 when nothing passed). */
  classes: TrafficClass[]
  startTime: number
}

export class Aggregator {
  private samples: Sample[] = []
  private windowStart: number
  private intervalMs: number

  constructor(private readonly opts: AggregatorOptions) {
    this.intervalMs = opts.intervalSeconds * 1000
    const aligned = Math.floor(opts.startTime / this.intervalMs) * this.intervalMs
    this.windowStart = opts.kind === 'traffic' && aligned < opts.startTime ? aligned + this.intervalMs : aligned
  }

  get interval(): number {
    return this.intervalMs / 1000
  }

  /** When the current window ends (ms): the agent closes windows at this time. */
  get nextClose(): number {
    return this.windowStart + this.intervalMs
  }

  add(sample: Sample): void {
    if (sample.kind !== this.opts.kind) return
    if (sample.time < this.windowStart) return // before the first whole traffic window
    this.samples.push(sample)
  }

  /** A new interval applies from the end of the current window. */
  setInterval(seconds: number): void {
    this.pendingIntervalMs = seconds * 1000
  }
  private pendingIntervalMs: number | undefined

  /** Closes every window that ended at or before `now`. `flags` go into each reading's quality. */
  close(now: number, flags: string[] = []): ReadingDraft[] {
    const out: ReadingDraft[] = []
    while (this.windowStart + this.intervalMs <= now) {
      const end = this.windowStart + this.intervalMs
      const inWindow = this.samples.filter((s) => s.time < end)
      this.samples = this.samples.filter((s) => s.time >= end)
      const draft = this.build(this.windowStart, inWindow, flags)
      if (draft) out.push(draft)
      this.windowStart = end
      if (this.pendingIntervalMs) {
        this.intervalMs = this.pendingIntervalMs
        this.pendingIntervalMs = undefined
      }
    }
    return out
  }

  private build(start: number, samples: Sample[], flags: string[]): ReadingDraft | undefined {
    const base = {
      sensor: this.opts.sensor,
      borough: this.opts.borough,
      kind: this.opts.kind,
      time: new Date(start).toISOString(),
      interval: this.intervalMs / 1000,
      quality: { grade: this.opts.grade, status: 'raw' as const, ...(flags.length ? { flags } : {}) },
    }
    if (this.opts.kind === 'air') {
      const sums = new Map<string, { sum: number; n: number }>()
      for (const s of samples) {
        if (s.kind !== 'air') continue
        for (const [k, v] of Object.entries(s.values)) {
          if (typeof v !== 'number' || !Number.isFinite(v)) continue
          const acc = sums.get(k) ?? { sum: 0, n: 0 }
          acc.sum += v
          acc.n++
          sums.set(k, acc)
        }
      }
      if (sums.size === 0) return undefined
      const values: Record<string, number> = {}
      for (const [k, { sum, n }] of sums) values[k] = Math.round((sum / n) * 1000) / 1000
      return { ...base, values: values as AirValues }
    }
    const counts: Record<string, number> = {}
    for (const c of this.opts.classes) counts[c] = 0
    for (const s of samples) {
      if (s.kind !== 'traffic') continue
      for (const [k, v] of Object.entries(s.counts)) counts[k] = (counts[k] ?? 0) + (v ?? 0)
    }
    if (Object.keys(counts).length === 0) return undefined
    return { ...base, values: { counts: counts as TrafficCounts } }
  }
}
