/**
 * The recent past of one InfluxDB series that the series rules need, and its JSON form for the
 * state file (state-store.ts). Bounded: a spike window of 15 values per pollutant, one run per
 * field (at most 400 members until it is judged), and the last 256 flagged readings. The field
 * state is one flat object of fixed shape, changed in place: it is touched for every value.
 */
import { AIR_QC_FIELDS, QC_THRESHOLDS } from './catalogue.js'
import { SortedWindow } from './sorted-window.js'

/** The reading rules' [flags, fail] of a reading, comma-joined, when it had any. */
export type Base = [string, string] | undefined

export interface FieldState {
  win: SortedWindow | undefined
  /** A value far from the window, waiting for the next one to say whether it was a spike. */
  pending: boolean
  pT: number
  pV: number
  pMedian: number
  pThreshold: number
  pBase: Base
  /** The current run of identical values, and its members while it is not judged yet. */
  hasRun: boolean
  runV: number
  runStart: number
  runStartBase: Base
  runLast: number
  runCount: number
  runStuck: boolean
  /** The members after the first (the first is runStart and runStartBase). */
  runTimes: number[]
  runBases: Base[]
}

export interface SeriesState {
  key: string
  lastT: number
  lastSeq: number
  /** By the field's index in AIR_QC_FIELDS. */
  fields: (FieldState | undefined)[]
  /** Flags the series rules gave, by reading time, so a redelivered reading gets them again. */
  marks: Map<number, { flags: string[]; fail: string[] }>
  /** When it was last used (a counter of the history's), and whether it changed since written. */
  used: number
  dirty: boolean
  /** How the series rules flag this series' readings (history.ts; not stored). */
  mark?: (t: number, base: Base, flag: string, field: string) => void
}

export const MAX_MARKS = 256

export function newSeriesState(key: string): SeriesState {
  return { key, lastT: Number.NEGATIVE_INFINITY, lastSeq: -1, fields: [], marks: new Map(), used: 0, dirty: false }
}

export function newFieldState(): FieldState {
  return {
    win: undefined,
    pending: false,
    pT: 0,
    pV: 0,
    pMedian: 0,
    pThreshold: 0,
    pBase: undefined,
    hasRun: false,
    runV: 0,
    runStart: 0,
    runStartBase: undefined,
    runLast: 0,
    runCount: 0,
    runStuck: false,
    runTimes: [],
    runBases: [],
  }
}

interface StoredField {
  w?: [number[], number[]]
  p?: [number, number, number, number, Base]
  r?: [number, number, Base, number, number, boolean, number[], Base[]]
}

interface StoredSeries {
  t: number | null
  s: number
  f: Record<string, StoredField>
  m: [number, string[], string[]][]
}

export function serialise(state: SeriesState): string {
  const f: Record<string, StoredField> = {}
  for (const [i, fs] of state.fields.entries()) {
    if (!fs) continue
    f[AIR_QC_FIELDS[i]!] = {
      ...(fs.win ? { w: fs.win.toArrays() } : {}),
      ...(fs.pending ? { p: [fs.pT, fs.pV, fs.pMedian, fs.pThreshold, fs.pBase] } : {}),
      ...(fs.hasRun
        ? { r: [fs.runV, fs.runStart, fs.runLast, fs.runCount, fs.runStuck, fs.runTimes, fs.runBases] }
        : {}),
    } as StoredField
  }
  const stored: StoredSeries = {
    t: Number.isFinite(state.lastT) ? state.lastT : null,
    s: state.lastSeq,
    f,
    m: [...state.marks].map(([t, m]) => [t, m.flags, m.fail]),
  }
  return JSON.stringify(stored)
}

export function deserialise(key: string, json: string): SeriesState {
  const stored = JSON.parse(json) as StoredSeries
  const fields: (FieldState | undefined)[] = []
  for (const [field, sf] of Object.entries(stored.f)) {
    const index = (AIR_QC_FIELDS as readonly string[]).indexOf(field)
    if (index < 0) continue
    const fs = newFieldState()
    if (sf.w) fs.win = SortedWindow.from(QC_THRESHOLDS.spike.window, sf.w[0], sf.w[1])
    if (sf.p) {
      fs.pending = true
      ;[fs.pT, fs.pV, fs.pMedian, fs.pThreshold, fs.pBase] = sf.p
    }
    if (sf.r) {
      fs.hasRun = true
      ;[fs.runV, fs.runStart, fs.runStartBase, fs.runLast, fs.runCount, fs.runStuck, fs.runTimes, fs.runBases] = sf.r
    }
    fields[index] = fs
  }
  return {
    key,
    lastT: stored.t ?? Number.NEGATIVE_INFINITY,
    lastSeq: stored.s,
    fields,
    marks: new Map(stored.m.map(([t, flags, fail]) => [t, { flags, fail }])),
    used: 0,
    dirty: false,
  }
}
