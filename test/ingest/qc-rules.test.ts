/**
 * Each automated QC rule (ingest/qc/) fires on a series crafted to break it and stays silent on a
 * clean one. The readings go through the real check (schema, line protocol, reading rules) and
 * the series rules exactly as the pipeline runs them: one message after another.
 */
import { describe, expect, it } from 'vitest'
import { type Accepted, checkWithEntry } from '../../ingest/accept/check-message.js'
import { QcHistory } from '../../ingest/qc/history.js'
import type { Reading } from '../../schemas/types.gen.js'

const CAMDEN = 'E09000007'
const T0 = Date.parse('2026-11-20T00:00:00Z')
const MINUTE = 60_000

/** A deterministic noise source (a fixed-seed LCG), so a "clean" series is the same every run. */
function noise(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31 - 0.5
  }
}

function reading(i: number, values: Record<string, number>, extra: Partial<Reading> = {}): Reading {
  return {
    sensor: 'cam-1',
    borough: CAMDEN,
    kind: 'air',
    time: new Date(T0 + i * MINUTE).toISOString(),
    interval: 60,
    seq: i + 1,
    values,
    quality: { grade: 'indicative', status: 'raw' },
    ...extra,
  }
}

/** A day of realistic 1-minute readings: PM, NO2 (sometimes below zero), weather, all noisy. */
function cleanDay(n = 1440): Reading[] {
  const r = noise(7)
  return Array.from({ length: n }, (_, i) => {
    const daily = Math.sin((i / 1440) * 2 * Math.PI)
    const pm2_5 = 9 + 4 * daily + 3 * r()
    return reading(i, {
      pm1: round(pm2_5 * 0.6),
      pm2_5: round(pm2_5),
      pm10: round(pm2_5 * 1.5 + 2 * r()),
      no2: round(6 + 10 * daily + 8 * r()),
      temperature: round(9 + 3 * daily + 0.3 * r()),
      relative_humidity: round(70 + 10 * daily + 2 * r()),
      pressure: round(1012 + 0.5 * daily + 0.2 * r()),
    })
  })
}

const round = (v: number) => Math.round(v * 1000) / 1000

interface Stored {
  /** Flags and failed values of each reading after every point written for it (the later point wins). */
  flags: Map<number, string[]>
  fail: Map<number, string[]>
}

/** Runs readings through the check and the series rules, one message each; what InfluxDB would hold. */
function run(readings: Reading[], history = new QcHistory({ maxSeries: 100 })): Stored {
  const stored: Stored = { flags: new Map(), fail: new Map() }
  for (const r of readings) {
    const checked = checkWithEntry(
      { sensor: r.sensor, borough: r.borough, channel: r.kind },
      JSON.stringify(r),
      { borough: r.borough, status: 'active' },
      1 << 20,
    )
    if (!checked.ok) throw new Error(`${checked.reason}: ${JSON.stringify(checked.errors)}`)
    const extra = history.observe((checked as Accepted).qc!)
    for (const line of [String(checked.lines), ...(extra ? extra.lines.split('\n') : [])]) record(stored, line)
  }
  return stored
}

function record(stored: Stored, line: string): void {
  const time = Number(line.slice(line.lastIndexOf(' ') + 1))
  const field = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(line)?.[1]
  const flags = field('flags')
  if (flags !== undefined) stored.flags.set(time, flags.split(',').filter(Boolean))
  else if (!stored.flags.has(time)) stored.flags.set(time, [])
  stored.fail.set(time, (field('qc_fail') ?? '').split(',').filter(Boolean))
}

const at = (i: number) => T0 + i * MINUTE
const allFlags = (s: Stored) => [...s.flags.values()].flat()

describe('automated QC on a clean day', () => {
  it('flags nothing and fails nothing in a noisy but healthy day of 1-minute readings', () => {
    const s = run(cleanDay())
    expect(s.flags.size).toBe(1440)
    // Negative NO2 is normal in clean air: noted, never failed.
    expect(new Set(allFlags(s))).toEqual(new Set(['no2_negative']))
    expect([...s.fail.values()].flat()).toEqual([])
  })
})

describe('spike (Hampel, confirmed by the next reading)', () => {
  it('fails a single PM10 spike, and only that value of that reading', () => {
    const day = cleanDay(60)
    day[30]!.values = { ...day[30]!.values, pm10: 150 }
    const s = run(day)
    expect(s.flags.get(at(30))).toContain('pm10_spike')
    expect(s.fail.get(at(30))).toEqual(['pm10'])
    expect(allFlags(s).filter((f) => f.endsWith('_spike'))).toEqual(['pm10_spike'])
  })

  it('does not flag a level that stays (a real episode starting)', () => {
    const day = cleanDay(60)
    for (let i = 30; i < 60; i++) day[i]!.values = { ...day[i]!.values, pm2_5: 80 + (i % 3) }
    const s = run(day)
    expect(allFlags(s).filter((f) => f.endsWith('_spike'))).toEqual([])
  })

  it('is not judged without at least five readings before it', () => {
    const s = run([10, 11, 150, 10].map((v, i) => reading(i, { pm2_5: v })))
    expect(allFlags(s)).toEqual([])
  })
})

describe('flatline (stuck sensor)', () => {
  it('fails the whole run once identical values cover an hour', () => {
    const day = cleanDay(120)
    for (let i = 20; i < 90; i++) day[i]!.values = { ...day[i]!.values, temperature: 11.5 }
    const s = run(day)
    const flagged = [...s.fail].filter(([, fail]) => fail.includes('temperature')).map(([t]) => (t - T0) / MINUTE)
    expect(flagged).toEqual(Array.from({ length: 70 }, (_, i) => 20 + i))
    expect(s.flags.get(at(50))).toContain('temperature_flatline')
  })

  it('does not fail 59 identical minutes, nor relative humidity saturated at 100% in fog', () => {
    const day = cleanDay(120)
    for (let i = 0; i < 59; i++) day[i]!.values = { ...day[i]!.values, pm10: 14.2 }
    for (let i = 0; i < 120; i++) day[i]!.values = { ...day[i]!.values, relative_humidity: 100 }
    const s = run(day.map((r) => ({ ...r, quality: { grade: 'reference' as const, status: 'raw' as const } })))
    expect(allFlags(s).filter((f) => f.endsWith('_flatline'))).toEqual([])
  })
})

describe('reading rules', () => {
  it('keeps small negative electrochemical values as a note and fails strongly negative ones', () => {
    const s = run([reading(0, { no2: -12, o3: 20 }), reading(1, { no2: -150, o3: -3 })])
    expect(s.flags.get(at(0))).toEqual(['no2_negative'])
    expect(s.fail.get(at(0))).toEqual([])
    expect(s.flags.get(at(1))).toEqual(['no2_negative_strong', 'o3_negative'])
    expect(s.fail.get(at(1))).toEqual(['no2'])
  })

  it('notes humid optical PM above 85% RH, fails it at 95%, and leaves reference instruments alone', () => {
    const s = run([
      reading(0, { pm2_5: 12, pm10: 18, relative_humidity: 84 }),
      reading(1, { pm2_5: 12, pm10: 18, relative_humidity: 90 }),
      reading(2, { pm2_5: 12, pm10: 18, relative_humidity: 96 }),
      reading(3, { pm2_5: 12, relative_humidity: 97 }, { quality: { grade: 'reference', status: 'raw' } }),
    ])
    expect(s.flags.get(at(0))).toEqual([])
    expect(s.flags.get(at(1))).toEqual(['pm2_5_humid', 'pm10_humid'])
    expect(s.fail.get(at(1))).toEqual([])
    expect(s.fail.get(at(2))).toEqual(['pm2_5', 'pm10'])
    expect(s.flags.get(at(3))).toEqual([])
  })

  it('fails the plausibility range per value, and everything the device itself calls suspect', () => {
    const s = run([
      reading(0, { pm2_5: 720, pm10: 760, no2: 30 }),
      reading(1, { pm2_5: 10, no2: 30 }, { quality: { grade: 'indicative', status: 'suspect', flags: ['fan_fault'] } }),
    ])
    expect(s.fail.get(at(0))).toEqual(['pm2_5', 'pm10'])
    expect(s.flags.get(at(1))).toEqual(['fan_fault', 'device_suspect'])
    expect(s.fail.get(at(1))).toEqual(['*'])
  })

  it('keeps the device note clock_unsynced without failing anything', () => {
    const s = run([
      reading(0, { pm2_5: 10 }, { quality: { grade: 'indicative', status: 'raw', flags: ['clock_unsynced'] } }),
    ])
    expect(s.flags.get(at(0))).toEqual(['clock_unsynced'])
    expect(s.fail.get(at(0))).toEqual([])
  })
})

describe('clock rules', () => {
  it('fails a reading whose interval ends more than 2 minutes after it arrived (clock running fast)', () => {
    const now = Date.now()
    const ahead = reading(0, { pm2_5: 10 }, { time: new Date(now + 3 * MINUTE).toISOString().replace(/\.\d+Z/, 'Z') })
    const onTime = reading(1, { pm2_5: 10 }, { time: new Date(now - MINUTE).toISOString().replace(/\.\d+Z/, 'Z') })
    const s = run([ahead, onTime])
    expect(s.flags.get(Date.parse(ahead.time))).toEqual(['clock_ahead'])
    expect(s.fail.get(Date.parse(ahead.time))).toEqual(['*'])
    expect(s.flags.get(Date.parse(onTime.time))).toEqual([])
  })

  it('fails a newer reading stamped before the previous one, but not a redelivered old one', () => {
    const readings = [0, 1, 2, 3].map((i) => reading(i, { pm2_5: 10 }))
    const backwards = { ...reading(1, { pm2_5: 11 }), seq: 5, time: new Date(at(1) - 30_000).toISOString() }
    const redelivered = reading(2, { pm2_5: 10 })
    const s = run([...readings, backwards, redelivered])
    expect(s.flags.get(at(1) - 30_000)).toEqual(['clock_backwards'])
    expect(s.flags.get(at(2))).toEqual([])
  })
})

describe('series state', () => {
  it('writes a spike flag again when the broker redelivers the spiked reading', () => {
    const day = cleanDay(40)
    day[30]!.values = { ...day[30]!.values, pm2_5: 150, pm10: 160 }
    const history = new QcHistory({ maxSeries: 10 })
    run(day, history)
    // The redelivered reading's own point carries only the reading rules' verdict: the series
    // rules must write their flag again, or the later point would clear it.
    const again = run([day[30]!], history)
    expect(again.flags.get(at(30))).toEqual(expect.arrayContaining(['pm2_5_spike', 'pm10_spike']))
    expect(again.fail.get(at(30))).toEqual(['pm2_5', 'pm10'])
  })

  it('survives a restart through the state store, and stays within maxSeries', () => {
    const saved = new Map<string, string>()
    const store = {
      load: (k: string) => saved.get(k),
      save: (s: [string, string][]) => {
        for (const [k, v] of s) saved.set(k, v)
      },
    }
    const day = cleanDay(40)
    day[30]!.values = { ...day[30]!.values, no2: 150 }
    const before = new QcHistory({ maxSeries: 10, store })
    run(day.slice(0, 31), before) // the spike is pending when the ingest stops
    before.flush()
    const after = new QcHistory({ maxSeries: 1, store })
    const s = run(day.slice(31), after)
    expect(s.flags.get(at(30))).toEqual(['no2_spike'])
    run([{ ...day[0]!, sensor: 'cam-2', seq: 1 }], new QcHistory({ maxSeries: 1, store }))
    expect(after.size).toBe(1)
  })
})
