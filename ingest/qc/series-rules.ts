/**
 * The QC rules that need a series' recent past (catalogue.ts): spike (a Hampel identifier on the
 * preceding readings, confirmed by the next one), flatline (a run of identical values) and a clock
 * going backwards. Pure functions over one series' state (series-state.ts); they say which
 * readings to flag, possibly earlier ones (a spike is known when the next reading arrives, a
 * flatline when the run is long enough).
 */
import { QC_THRESHOLDS, SPIKE_FIELDS } from './catalogue.js'
import type { FieldState, Member, SeriesState } from './series-state.js'
import { SortedWindow } from './sorted-window.js'

/** Gives `flag` (failing `field`) to the reading `member`. */
export type Mark = (member: Member, flag: string, field: string) => void

/** One reading's value of one field, as the rules see it. */
export interface Observation {
  member: Member
  field: string
  value: number
  intervalMs: number
}

const { spike: SPIKE, flatline: FLAT } = QC_THRESHOLDS
const SCALED_MAD = 1.4826
const MAX_RUN_MEMBERS = 400
const SPIKE_SET = new Set(SPIKE_FIELDS)

/** Both rules for one value of an in-order reading. */
export function observeValue(state: SeriesState, o: Observation, mark: Mark): void {
  let fs = state.fields[o.field]
  if (!fs) {
    fs = {}
    state.fields[o.field] = fs
  }
  flatline(fs, o, mark)
  if (SPIKE_SET.has(o.field)) spike(fs, o, mark)
}

function flatline(fs: FieldState, o: Observation, mark: Mark): void {
  const t = o.member.t
  if (o.field === 'relative_humidity' && o.value >= FLAT.rhSaturated) {
    fs.run = undefined // saturated air reads 100% for hours: not a stuck sensor
    return
  }
  const run = fs.run
  const maxGap = Math.max(2 * o.intervalMs, FLAT.maxGapMs)
  if (!run || run.v !== o.value || t - run.last > maxGap) {
    fs.run = { v: o.value, start: t, last: t, count: 1, stuck: false, members: [o.member] }
    return
  }
  run.count++
  run.last = t
  const flag = `${o.field}_flatline`
  if (run.stuck) {
    mark(o.member, flag, o.field)
    return
  }
  run.members.push(o.member)
  if (run.members.length > MAX_RUN_MEMBERS) run.members.shift()
  if (run.count >= FLAT.minReadings && t + o.intervalMs - run.start >= FLAT.minMs) {
    run.stuck = true
    for (const m of run.members) mark(m, flag, o.field)
    run.members = []
  }
}

function spike(fs: FieldState, o: Observation, mark: Mark): void {
  const t = o.member.t
  const span = SPIKE.window * o.intervalMs
  const win = fs.win ?? new SortedWindow()
  fs.win = win
  win.dropBefore(t - span)
  const pending = fs.pending
  if (pending) {
    fs.pending = undefined
    // The value after a candidate is back near the old median: the candidate was a spike and
    // stays out of the window. Otherwise the level moved, and the candidate belongs to the series.
    if (t - pending.t <= span && Math.abs(o.value - pending.median) <= pending.threshold)
      mark(pending, `${o.field}_spike`, o.field)
    else if (pending.t >= t - span) win.push(pending.t, pending.v)
  }
  const threshold = outlierThreshold(win, o.field, o.value)
  if (threshold !== undefined) {
    fs.pending = { ...o.member, v: o.value, median: win.median(), threshold }
    return
  }
  win.push(t, o.value)
  while (win.size > SPIKE.window) win.shift()
}

/** The threshold `value` exceeds, when it is an outlier against the window; else undefined. */
function outlierThreshold(win: SortedWindow, field: string, value: number): number | undefined {
  if (win.size < SPIKE.minWindow) return undefined
  const median = win.median()
  const floor = SPIKE.floor[field] ?? 0
  const deviation = Math.abs(value - median)
  if (deviation <= floor) return undefined
  const threshold = Math.max(SPIKE.k * SCALED_MAD * win.mad(median), floor)
  return deviation > threshold ? threshold : undefined
}
