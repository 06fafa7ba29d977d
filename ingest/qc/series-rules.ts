/**
 * The QC rules that need a series' recent past (catalogue.ts): spike (a Hampel identifier on the
 * preceding readings, confirmed by the next one) and flatline (a run of identical values). Pure
 * functions over one series' field state (series-state.ts); they say which readings to flag,
 * possibly earlier ones (a spike is known when the next reading arrives, a flatline when the run
 * is long enough). They take plain numbers and allocate nothing on the common path: they run on
 * the ingest's main thread for every value.
 */
import { AIR_QC_FIELDS, QC_THRESHOLDS, SPIKE_FIELDS } from './catalogue.js'
import type { Base, FieldState } from './series-state.js'
import { SortedWindow } from './sorted-window.js'

/** Gives `flag` (failing `field`) to the reading at time `t` (whose reading-rule verdict is `base`). */
export type Mark = (t: number, base: Base, flag: string, field: string) => void

const { spike: SPIKE, flatline: FLAT } = QC_THRESHOLDS
const SCALED_MAD = 1.4826
const MAX_RUN_MEMBERS = 400

/** What the rules need to know of one field, worked out once (index = AIR_QC_FIELDS index). */
export interface FieldRule {
  field: string
  spike: boolean
  floor: number
  /** Relative humidity saturates at 100% in fog: such values are not a stuck sensor. */
  saturatesAt: number
  flatlineFlag: string
  spikeFlag: string
}

export const FIELD_RULES: readonly FieldRule[] = AIR_QC_FIELDS.map((field) => ({
  field,
  spike: SPIKE_FIELDS.includes(field),
  floor: SPIKE.floor[field] ?? 0,
  saturatesAt: field === 'relative_humidity' ? FLAT.rhSaturated : Number.POSITIVE_INFINITY,
  flatlineFlag: `${field}_flatline`,
  spikeFlag: `${field}_spike`,
}))

/** Both rules for one value of an in-order reading. */
export function observeValue(
  fs: FieldState,
  rule: FieldRule,
  value: number,
  t: number,
  base: Base,
  intervalMs: number,
  mark: Mark,
): void {
  flatline(fs, rule, value, t, base, intervalMs, mark)
  if (rule.spike) spike(fs, rule, value, t, base, intervalMs, mark)
}

function flatline(fs: FieldState, rule: FieldRule, value: number, t: number, base: Base, iv: number, mark: Mark): void {
  if (value >= rule.saturatesAt) {
    fs.hasRun = false // saturated air reads 100% for hours: not a stuck sensor
    return
  }
  if (!fs.hasRun || fs.runV !== value || t - fs.runLast > Math.max(2 * iv, FLAT.maxGapMs)) {
    fs.hasRun = true
    fs.runV = value
    fs.runStart = t
    fs.runStartBase = base
    fs.runLast = t
    fs.runCount = 1
    fs.runStuck = false
    if (fs.runTimes.length !== 0) {
      fs.runTimes.length = 0
      fs.runBases.length = 0
    }
    return
  }
  fs.runCount++
  fs.runLast = t
  const flag = rule.flatlineFlag
  const field = rule.field
  if (fs.runStuck) {
    mark(t, base, flag, field)
    return
  }
  // The first members are kept for flagging once the run is judged; past the bound, only the
  // run's length is counted (so a run of many short readings costs no more per reading).
  if (fs.runTimes.length < MAX_RUN_MEMBERS - 1) {
    fs.runTimes.push(t)
    fs.runBases.push(base)
  }
  if (fs.runCount >= FLAT.minReadings && t + iv - fs.runStart >= FLAT.minMs) {
    fs.runStuck = true
    mark(fs.runStart, fs.runStartBase, flag, field)
    for (let i = 0; i < fs.runTimes.length; i++) mark(fs.runTimes[i]!, fs.runBases[i], flag, field)
    if (fs.runTimes[fs.runTimes.length - 1] !== t) mark(t, base, flag, field)
    fs.runTimes.length = 0
    fs.runBases.length = 0
  }
}

function spike(fs: FieldState, rule: FieldRule, value: number, t: number, base: Base, iv: number, mark: Mark): void {
  const span = SPIKE.window * iv
  if (!fs.win) fs.win = new SortedWindow(SPIKE.window)
  const win = fs.win
  win.dropBefore(t - span)
  if (fs.pending) {
    fs.pending = false
    // The value after a candidate is back near the old median: the candidate was a spike and
    // stays out of the window. Otherwise the level moved, and the candidate belongs to the series.
    if (t - fs.pT <= span && Math.abs(value - fs.pMedian) <= fs.pThreshold)
      mark(fs.pT, fs.pBase, rule.spikeFlag, rule.field)
    else if (fs.pT >= t - span) win.push(fs.pT, fs.pV)
  }
  const threshold = outlierThreshold(win, rule.floor, value)
  if (threshold === undefined) {
    win.push(t, value)
    return
  }
  fs.pending = true
  fs.pT = t
  fs.pV = value
  fs.pMedian = win.median()
  fs.pThreshold = threshold
  fs.pBase = base
}

/** The threshold `value` exceeds, when it is an outlier against the window; else undefined. */
function outlierThreshold(win: SortedWindow, floor: number, value: number): number | undefined {
  if (win.size < SPIKE.minWindow) return undefined
  const median = win.median()
  const deviation = Math.abs(value - median)
  if (deviation <= floor) return undefined
  const threshold = Math.max(SPIKE.k * SCALED_MAD * win.mad(median), floor)
  return deviation > threshold ? threshold : undefined
}
