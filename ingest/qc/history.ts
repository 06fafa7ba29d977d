/**
 * The ingest's memory for the series rules: one state per InfluxDB series (series-state.ts),
 * bounded by `maxSeries` (the least recently used are written out and dropped), loaded from and
 * written to the state file (state-store.ts) so that a restart continues where it stopped.
 *
 * `observe` runs on the main thread for every accepted message, in arrival order, after the check
 * and before the spool. Its answer is extra points: a reading the series rules flag is written
 * again with the same series and time and only its QC fields (`suspect`, `flags`, `qc_fail`);
 * InfluxDB keeps the union of a point's fields, the later value winning, so the reading's values
 * stay as they arrived and its flags become the reading rules' and the series rules' together.
 */
import { escapeString } from '../store/line-protocol.js'
import { type QcBatch, ROW_HEAD, rowStride } from './batch.js'
import { AIR_QC_FIELDS } from './catalogue.js'
import { ALL_VALUES, fails } from './reading-rules.js'
import { FIELD_RULES, type Mark, observeValue } from './series-rules.js'
import {
  type Base,
  deserialise,
  MAX_MARKS,
  newFieldState,
  newSeriesState,
  type SeriesState,
  serialise,
} from './series-state.js'

/** Where series states are kept between runs. */
export interface QcStateStore {
  load(key: string): string | undefined
  save(states: [key: string, json: string][]): void
}

export interface QcExtraPoints {
  lines: string
  count: number
}

export class QcHistory {
  private readonly series = new Map<string, SeriesState>()
  /** States changed since the last flush. */
  private dirty: SeriesState[] = []
  /** Counts uses, to find the least recently used series. */
  private tick = 0
  /** The extra points of the message being observed (one instance, emptied per message). */
  private readonly corrections = new Corrections()

  constructor(private readonly options: { maxSeries: number; store?: QcStateStore }) {}

  /** The series rules over one message's readings; extra points for the readings they flag. */
  observe(batch: QcBatch): QcExtraPoints | undefined {
    const corrections = this.corrections
    corrections.clear()
    const stride = rowStride(batch.kind)
    let key = ''
    let state: SeriesState | undefined
    for (let i = 0, at = 0; at < batch.rows.length; i++, at += stride) {
      // The readings of a message are mostly of one series: look it up once.
      const k = batch.keys[batch.rows[at + 3]!]!
      if (k !== key || !state) {
        key = k
        state = this.state(key)
        if (!state.dirty) {
          state.dirty = true
          this.dirty.push(state)
        }
      }
      observeRow(state, batch, i, at, corrections, this.markOf(state))
    }
    return corrections.points()
  }

  /** Writes the states that changed since the last flush. */
  flush(): void {
    if (this.dirty.length === 0 || !this.options.store) return
    const states = this.dirty.map((state): [string, string] => {
      state.dirty = false
      return [state.key, serialise(state)]
    })
    this.dirty = []
    this.options.store.save(states)
  }

  get size(): number {
    return this.series.size
  }

  private state(key: string): SeriesState {
    let state = this.series.get(key)
    if (state) {
      state.used = ++this.tick
      return state
    }
    state = this.load(key)
    state.used = ++this.tick
    this.series.set(key, state)
    if (this.series.size > this.options.maxSeries) this.evict()
    return state
  }

  private load(key: string): SeriesState {
    const json = this.options.store?.load(key)
    if (!json) return newSeriesState(key)
    try {
      return deserialise(key, json)
    } catch {
      return newSeriesState(key) // an unreadable state only costs the series its recent past
    }
  }

  /**
   * Writes out and drops the least recently used tenth of the series: one scan per many new
   * series, rather than an ordered structure to update for every reading.
   */
  private evict(): void {
    const uses = [...this.series.values()].map((s) => s.used).sort((a, b) => a - b)
    const cut = uses[Math.max(0, Math.floor(uses.length / 10) - 1)]!
    const out: [string, string][] = []
    for (const [key, state] of this.series) {
      if (state.used > cut) continue
      if (state.dirty) out.push([key, serialise(state)])
      state.dirty = false
      this.series.delete(key)
    }
    this.dirty = this.dirty.filter((s) => s.dirty)
    if (out.length > 0) this.options.store?.save(out)
  }

  /** The series' `mark`, made once per series rather than once per message. */
  private markOf(state: SeriesState): Mark {
    if (!state.mark) state.mark = (t, base, flag, field) => this.corrections.mark(state, t, base, flag, field)
    return state.mark
  }
}

function observeRow(
  state: SeriesState,
  batch: QcBatch,
  i: number,
  at: number,
  corrections: Corrections,
  mark: Mark,
): void {
  const rows = batch.rows
  const t = rows[at]!
  const seq = rows[at + 1]!
  const base = batch.marked?.[i]
  // A reading from a clock running fast says nothing about the order of the ones around it.
  if (base?.[0].includes('clock_ahead')) return
  if (t <= state.lastT) {
    if (seq > state.lastSeq) {
      state.lastSeq = seq
      corrections.mark(state, t, base, 'clock_backwards', ALL_VALUES)
    } else if (state.marks.has(t)) corrections.resend(state, t, base) // a redelivered reading
    return
  }
  state.lastT = t
  state.lastSeq = seq
  if (batch.kind !== 'air') return
  const intervalMs = rows[at + 2]! * 1000
  const failed = base?.[1]
  for (let f = 0; f < AIR_QC_FIELDS.length; f++) {
    const value = rows[at + ROW_HEAD + f]!
    if (Number.isNaN(value)) continue
    const rule = FIELD_RULES[f]!
    // A value the reading rules failed is not part of the series' recent past.
    if (failed && fails(failed, rule.field)) continue
    let fs = state.fields[f]
    if (!fs) {
      fs = newFieldState()
      state.fields[f] = fs
    }
    observeValue(fs, rule, value, t, base, intervalMs, mark)
  }
}

interface Correction {
  key: string
  t: number
  base: Base
  marks: { flags: string[]; fail: string[] }
}

/** The points a message's readings need again, one per flagged reading. */
class Corrections {
  /** Made on the first flag: most messages have none. */
  private points_: Map<string, Correction> | undefined

  clear(): void {
    this.points_ = undefined
  }

  mark(state: SeriesState, t: number, base: Base, flag: string, field: string): void {
    let marks = state.marks.get(t)
    if (!marks) {
      marks = { flags: [], fail: [] }
      state.marks.set(t, marks)
      if (state.marks.size > MAX_MARKS) state.marks.delete(state.marks.keys().next().value as number)
    }
    if (!marks.flags.includes(flag)) marks.flags.push(flag)
    if (!marks.fail.includes(field)) marks.fail.push(field)
    this.points_ ??= new Map()
    this.points_.set(`${state.key} ${t}`, { key: state.key, t, base, marks })
  }

  resend(state: SeriesState, t: number, base: Base): void {
    const marks = state.marks.get(t)
    if (!marks) return
    this.points_ ??= new Map()
    this.points_.set(`${state.key} ${t}`, { key: state.key, t, base, marks })
  }

  points(): QcExtraPoints | undefined {
    if (!this.points_) return undefined
    const lines: string[] = []
    for (const { key, t, base, marks } of this.points_.values()) {
      const flags = union(base?.[0], marks.flags)
      const fail = union(base?.[1], marks.fail)
      lines.push(`${key} suspect=true,flags=${escapeString(flags)},qc_fail=${escapeString(fail)} ${t}`)
    }
    return { lines: lines.join('\n'), count: lines.length }
  }
}

const union = (joined: string | undefined, more: readonly string[]): string =>
  [...new Set([...(joined ? joined.split(',') : []), ...more])].join(',')
