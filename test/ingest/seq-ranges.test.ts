/**
 * The seq ranges the ingest keeps per sensor: the range set against a plain Set of numbers (any
 * order of adds), and the store across a reopen, with its closed ranges, the quarantine's seqs
 * and its bound on ranges per sensor.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { openSensorStats } from '../../ingest/stats/sensor-stats.js'
import { closeQuarantined, countMissing, MAX_RANGES, missingRanges } from '../../ingest/stats/seq-ranges.js'
import { SeqSet } from '../../ingest/stats/seq-set.js'

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'seq-ranges-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** Runs of consecutive members of a plain set, lowest first. */
function runsOf(members: Set<number>, from: number, to: number, inSet: boolean): [number, number][] {
  const out: [number, number][] = []
  for (let n = from; n <= to; n++) {
    if (members.has(n) !== inSet) continue
    const last = out[out.length - 1]
    if (last && last[1] === n - 1) last[1] = n
    else out.push([n, n])
  }
  return out
}

describe('SeqSet', () => {
  const adds = fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 5 })), { maxLength: 40 })

  it('holds exactly the numbers added, as merged ranges, whatever the order', () => {
    fc.assert(
      fc.property(adds, fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 70 }), (list, x, y) => {
        const set = new SeqSet()
        const plain = new Set<number>()
        for (const [a, len] of list) {
          set.add(a, a + len)
          for (let n = a; n <= a + len; n++) plain.add(n)
        }
        expect(set.ranges()).toEqual(runsOf(plain, 0, 70, true))
        const [lo, hi] = x <= y ? [x, y] : [y, x]
        expect(set.count(lo, hi)).toBe([...plain].filter((n) => n >= lo && n <= hi).length)
        expect(set.holes(lo, hi)).toEqual(runsOf(plain, lo, hi, false))
        expect(set.has(x)).toBe(plain.has(x))
        const above = [...plain].filter((n) => n >= x)
        expect(set.ceil(x)).toBe(above.length ? Math.min(...above) : undefined)
        const below = [...plain].filter((n) => n <= x)
        expect(set.floor(x)).toBe(below.length ? Math.max(...below) : undefined)
      }),
      { numRuns: 300 },
    )
  })

  it('forgets what lies below a floor', () => {
    const set = SeqSet.fromRanges([
      [1, 5],
      [8, 10],
      [20, 30],
    ])
    set.dropBelow(9)
    expect(set.ranges()).toEqual([
      [9, 10],
      [20, 30],
    ])
  })
})

describe('seq ranges in the stats file', () => {
  it('survive a reopen, with the closed ranges and their reasons', () => {
    const dir = tmp()
    let stats = openSensorStats(dir)
    stats.seqs.record('s1', [1, 2, 3, 7, 8])
    stats.seqs.record('s1', [4])
    closeQuarantined(stats.seqs, 's1', [10, 11, 13])
    expect(stats.seqs.close('s1', 5, 6, 'evicted_at_edge').missing).toBe(2)
    stats.close()
    stats = openSensorStats(dir)
    const s = stats.seqs.get('s1')!
    expect(s.stored.ranges()).toEqual([
      [1, 4],
      [7, 8],
    ])
    expect(missingRanges(s, 1, 14)).toEqual([
      [9, 9],
      [12, 12],
      [14, 14],
    ])
    expect(countMissing(s, 1, 14)).toBe(3)
    expect(stats.seqs.closedLog('s1').map((c) => [c.first, c.last, c.missing, c.reason])).toEqual([
      [5, 6, 2, 'evicted_at_edge'],
      [13, 13, 1, 'quarantined'],
      [10, 11, 2, 'quarantined'],
    ])
    stats.close()
  })

  it('on a stats file from before the ranges, tracks each known sensor from after its last seq', () => {
    const dir = tmp()
    let stats = openSensorStats(dir)
    for (const seq of [1, 2, 5]) stats.recordReading('old', seq)
    stats.close()
    const db = new Database(join(dir, 'ingest-stats.sqlite'))
    db.exec('DROP TABLE seq_ranges; DROP TABLE seq_closed')
    db.close()
    stats = openSensorStats(dir)
    stats.seqs.record('old', [6, 7])
    const s = stats.seqs.get('old')!
    expect(s.floor).toBe(6)
    expect(missingRanges(s, Math.max(1, s.floor), 7)).toEqual([]) // 3 and 4 are not asked for
    expect(s.stored.ranges()).toEqual([[6, 7]])
    stats.close()
  })

  it('keeps at most MAX_RANGES ranges per sensor, logging what it forgets', () => {
    const stats = openSensorStats(tmp())
    // every other seq: each reading is a range of its own
    stats.seqs.record(
      'odd',
      Array.from({ length: MAX_RANGES + 5 }, (_, i) => 2 * i + 1),
    )
    const s = stats.seqs.get('odd')!
    expect(s.stored.size).toBe(MAX_RANGES)
    expect(s.floor).toBeGreaterThan(1)
    const forgotten = stats.seqs.closedLog('odd')
    expect(forgotten.every((c) => c.reason === 'too_many_ranges')).toBe(true)
    expect(forgotten.reduce((n, c) => n + c.missing, 0)).toBe((s.floor - 1) / 2)
    stats.close()
  })
})
