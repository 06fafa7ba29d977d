/**
 * The ingest's memory for the series rules: one state per InfluxDB series (series-state.ts),
 * bounded by `maxSeries` (the least recently used is written out and dropped), loaded from and
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
import { type Mark, observeValue } from './series-rules.js'
import { deserialise, MAX_MARKS, type Member, newSeriesState, type SeriesState, serialise } from './series-state.js'

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
  private readonly dirty = new Set<string>()

  constructor(private readonly options: { maxSeries: number; store?: QcStateStore }) {}

  /** The series rules over one message's readings; extra points for the readings they flag. */
  observe(batch: QcBatch): QcExtraPoints | undefined {
    const corrections = new Corrections()
    const stride = rowStride(batch.kind)
    for (let i = 0, at = 0; at < batch.rows.length; i++, at += stride) {
      const key = batch.keys[batch.rows[at + 3]!]!
      const state = this.state(key)
      this.dirty.add(key)
      observeRow(state, batch, i, at, corrections)
    }
    return corrections.points()
  }

  /** Writes the states that changed since the last flush. */
  flush(): void {
    if (this.dirty.size === 0 || !this.options.store) return
    const states: [string, string][] = []
    for (const key of this.dirty) {
      const state = this.series.get(key)
      if (state) states.push([key, serialise(state)])
    }
    this.dirty.clear()
    this.options.store.save(states)
  }

  get size(): number {
    return this.series.size
  }

  private state(key: string): SeriesState {
    let state = this.series.get(key)
    if (state) {
      // Least recently used goes first: move this one to the end of the map's order.
      this.series.delete(key)
      this.series.set(key, state)
      return state
    }
    state = this.load(key)
    this.series.set(key, state)
    if (this.series.size > this.options.maxSeries) this.evictOldest()
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

  private evictOldest(): void {
    const [key, state] = this.series.entries().next().value as [string, SeriesState]
    if (this.dirty.delete(key)) this.options.store?.save([[key, serialise(state)]])
    this.series.delete(key)
  }
}

function observeRow(state: SeriesState, batch: QcBatch, i: number, at: number, corrections: Corrections): void {
  const rows = batch.rows
  const t = rows[at]!
  const seq = rows[at + 1]!
  const base = batch.marked?.[i]
  const member: Member = base ? { t, base } : { t }
  const mark: Mark = (m, flag, field) => corrections.mark(state, m, flag, field)
  // A reading from a clock running fast says nothing about the order of the ones around it.
  if (base?.[0].includes('clock_ahead')) return
  if (t <= state.lastT) {
    if (seq > state.lastSeq) {
      state.lastSeq = seq
      mark(member, 'clock_backwards', ALL_VALUES)
    } else if (state.marks.has(t)) corrections.resend(state, member) // a redelivered reading
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
    const field = AIR_QC_FIELDS[f]!
    // A value the reading rules failed is not part of the series' recent past.
    if (failed && fails(failed, field)) continue
    observeValue(state, { member, field, value, intervalMs }, mark)
  }
}

interface Correction {
  key: string
  member: Member
  marks: { flags: string[]; fail: string[] }
}

/** The points a message's readings need again, one per flagged reading. */
class Corrections {
  private readonly points_ = new Map<string, Correction>()

  mark(state: SeriesState, member: Member, flag: string, field: string): void {
    let marks = state.marks.get(member.t)
    if (!marks) {
      marks = { flags: [], fail: [] }
      state.marks.set(member.t, marks)
      if (state.marks.size > MAX_MARKS) state.marks.delete(state.marks.keys().next().value as number)
    }
    if (!marks.flags.includes(flag)) marks.flags.push(flag)
    if (!marks.fail.includes(field)) marks.fail.push(field)
    this.points_.set(`${state.key} ${member.t}`, { key: state.key, member, marks })
  }

  resend(state: SeriesState, member: Member): void {
    const marks = state.marks.get(member.t)
    if (marks) this.points_.set(`${state.key} ${member.t}`, { key: state.key, member, marks })
  }

  points(): QcExtraPoints | undefined {
    if (this.points_.size === 0) return undefined
    const lines: string[] = []
    for (const { key, member, marks } of this.points_.values()) {
      const flags = union(member.base?.[0], marks.flags)
      const fail = union(member.base?.[1], marks.fail)
      lines.push(`${key} suspect=true,flags=${escapeString(flags)},qc_fail=${escapeString(fail)} ${member.t}`)
    }
    return { lines: lines.join('\n'), count: lines.length }
  }
}

const union = (joined: string | undefined, more: readonly string[]): string =>
  [...new Set([...(joined ? joined.split(',') : []), ...more])].join(',')
