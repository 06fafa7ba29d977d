/**
 * The recent past of one InfluxDB series that the series rules need, and its JSON form for the
 * state file (state-store.ts). Bounded: a spike window of 15 values per pollutant, one run per
 * field (at most 400 members until it is judged), and the last 256 flagged readings.
 */
import { SortedWindow } from './sorted-window.js'

/** A reading the rules may flag later: its time, and the reading rules' [flags, fail] if any. */
export interface Member {
  t: number
  base?: [string, string]
}

export interface FieldState {
  win?: SortedWindow
  /** A value far from the window, waiting for the next one to say whether it was a spike. */
  pending?: Member & { v: number; median: number; threshold: number }
  /** The current run of identical values. */
  run?: { v: number; start: number; last: number; count: number; stuck: boolean; members: Member[] }
}

export interface SeriesState {
  key: string
  lastT: number
  lastSeq: number
  fields: Record<string, FieldState>
  /** Flags the series rules gave, by reading time, so a redelivered reading gets them again. */
  marks: Map<number, { flags: string[]; fail: string[] }>
}

export const MAX_MARKS = 256

export function newSeriesState(key: string): SeriesState {
  return { key, lastT: Number.NEGATIVE_INFINITY, lastSeq: -1, fields: {}, marks: new Map() }
}

interface StoredField {
  w?: [number[], number[]]
  p?: FieldState['pending']
  r?: FieldState['run']
}

interface StoredSeries {
  t: number | null
  s: number
  f: Record<string, StoredField>
  m: [number, string[], string[]][]
}

export function serialise(state: SeriesState): string {
  const f: Record<string, StoredField> = {}
  for (const [field, fs] of Object.entries(state.fields)) {
    f[field] = {
      ...(fs.win ? { w: [fs.win.times, fs.win.values] } : {}),
      ...(fs.pending ? { p: fs.pending } : {}),
      ...(fs.run ? { r: fs.run } : {}),
    }
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
  const fields: Record<string, FieldState> = {}
  for (const [field, sf] of Object.entries(stored.f)) {
    fields[field] = {
      ...(sf.w ? { win: SortedWindow.from(sf.w[0], sf.w[1]) } : {}),
      ...(sf.p ? { pending: sf.p } : {}),
      ...(sf.r ? { run: sf.r } : {}),
    }
  }
  return {
    key,
    lastT: stored.t ?? Number.NEGATIVE_INFINITY,
    lastSeq: stored.s,
    fields,
    marks: new Map(stored.m.map(([t, flags, fail]) => [t, { flags, fail }])),
  }
}
