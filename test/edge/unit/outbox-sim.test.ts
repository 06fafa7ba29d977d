import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { ReadingDraft } from '../../../edge/aggregate/aggregator.js'
import { Outbox } from '../../../edge/publish/outbox.js'
import { backoffDelay } from '../../../edge/publish/publisher.js'
import { LondonStreet, trafficShape } from '../../../edge/sensors/london-model.js'

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'edge-outbox-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const draft = (i: number): ReadingDraft => ({
  sensor: 's1',
  borough: 'E09000007',
  kind: 'air',
  time: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  interval: 60,
  values: { pm2_5: i },
})

const WINDOW = { retainSentHours: 24, retainSentMB: 64 }

describe('outbox', () => {
  it('numbers readings and keeps the numbering across reopen', () => {
    const dir = tmp()
    const opts = { maxRows: 100, maxAgeHours: 24, ...WINDOW }
    let ob = new Outbox(dir, opts)
    expect(ob.append([draft(1), draft(2)]).map((r) => r.seq)).toEqual([1, 2])
    ob.close()
    ob = new Outbox(dir, opts)
    expect(ob.append([draft(3)])[0]!.seq).toBe(3)
    expect(ob.nextPending(0, 10).map((r) => r.seq)).toEqual([1, 2, 3])
    ob.markSent([1, 2])
    expect(ob.depth()).toBe(1)
    expect(ob.nextPending(0, 10).map((r) => r.seq)).toEqual([3])
    expect(JSON.parse(ob.nextPending(0, 1)[0]!.body)).toMatchObject({ seq: 3, values: { pm2_5: 3 } })
    ob.close()
  })

  it('evicts oldest first beyond maxRows and counts it', () => {
    const ob = new Outbox(tmp(), { maxRows: 3, maxAgeHours: 24, ...WINDOW })
    ob.append([1, 2, 3, 4, 5].map(draft))
    expect(ob.nextPending(0, 10).map((r) => r.seq)).toEqual([3, 4, 5])
    expect(ob.counters()).toEqual({ lastSeq: 5, evicted: 2, rejected: 0 })
    ob.close()
  })

  it('evicts by age', () => {
    let now = 0
    const ob = new Outbox(tmp(), { maxRows: 100, maxAgeHours: 1, ...WINDOW }, () => now)
    ob.append([draft(1)])
    now = 2 * 3_600_000
    ob.append([draft(2)])
    expect(ob.nextPending(0, 10).map((r) => r.seq)).toEqual([2])
    expect(ob.counters().evicted).toBe(1)
    ob.close()
  })

  it('marks rejected readings once, never requeues them, and requeues sent ones', () => {
    const ob = new Outbox(tmp(), { maxRows: 100, maxAgeHours: 24, ...WINDOW })
    ob.append([1, 2, 3, 4].map(draft))
    ob.markSent([1, 2, 3])
    expect(ob.markRejected([2, 4])).toBe(2)
    expect(ob.markRejected([2])).toBe(0)
    expect(ob.counters().rejected).toBe(2)
    expect(ob.resend(1, 4)).toMatchObject({ requeued: 2, first: 1, last: 3 }) // 2 and 4 are rejected
    expect(ob.nextPending(0, 10).map((r) => r.seq)).toEqual([1, 3])
    ob.close()
  })
})

describe('outbox resend window', () => {
  const sendAll = (ob: Outbox) => ob.markSent(ob.nextPending(0, 1000).map((r) => r.seq))

  it('keeps acknowledged readings for retainSentHours after their PUBACK, evicting oldest first', () => {
    let now = 0
    const ob = new Outbox(tmp(), { maxRows: 100, maxAgeHours: 24, retainSentHours: 1, retainSentMB: 64 }, () => now)
    ob.append([1, 2, 3].map(draft))
    sendAll(ob) // acknowledged at 0
    now = 1_800_000
    ob.append([4, 5].map(draft))
    sendAll(ob) // acknowledged at 30 min
    ob.append([draft(6)]) // still pending
    expect(ob.resendWindow()).toEqual({ resendableFrom: 1, retained: 5, retainedEvicted: 0 })
    now = 3_600_000 + 1
    expect(ob.trimWindow()).toBe(3)
    expect(ob.resendWindow()).toEqual({ resendableFrom: 4, retained: 2, retainedEvicted: 3 })
    expect(ob.resend(2, 5)).toEqual({ requeued: 2, first: 4, last: 5, unavailable_from: 2, unavailable_to: 3 })
    expect(ob.nextPending(0, 10).map((r) => r.seq)).toEqual([4, 5, 6])
    ob.close()
  })

  it('keeps at most retainSentMB of acknowledged readings', () => {
    const ob = new Outbox(tmp(), { maxRows: 100, maxAgeHours: 24, retainSentHours: 24, retainSentMB: 0.001 })
    ob.append(Array.from({ length: 20 }, (_, i) => draft(i + 1)))
    const sizes = new Map(ob.nextPending(0, 100).map((r) => [r.seq, Buffer.byteLength(r.body)]))
    sendAll(ob)
    // the newest rows whose bodies fit in 0.001 MB stay
    let budget = 0.001 * 1_048_576
    let keptFrom = 21
    while (keptFrom > 1 && budget - sizes.get(keptFrom - 1)! >= 0) budget -= sizes.get(--keptFrom)!
    expect(keptFrom).toBeGreaterThan(1)
    ob.trimWindow()
    expect(ob.resendWindow()).toEqual({
      resendableFrom: keptFrom,
      retained: 21 - keptFrom,
      retainedEvicted: keptFrom - 1,
    })
    ob.close()
  })

  it('serves a resend of readings acknowledged before a restart', () => {
    const dir = tmp()
    const opts = { maxRows: 100, maxAgeHours: 24, ...WINDOW }
    let ob = new Outbox(dir, opts)
    ob.append([1, 2, 3].map(draft))
    sendAll(ob)
    ob.close()
    ob = new Outbox(dir, opts)
    expect(ob.resendWindow()).toEqual({ resendableFrom: 1, retained: 3, retainedEvicted: 0 })
    expect(ob.resend(2, 9)).toEqual({ requeued: 2, first: 2, last: 3, unavailable_from: null, unavailable_to: null })
    expect(ob.resendWindow().retained).toBe(1)
    expect(ob.nextPending(0, 10).map((r) => r.seq)).toEqual([2, 3])
    ob.close()
  })

  it('counts the window of an outbox written before the window existed', () => {
    const dir = tmp()
    const opts = { maxRows: 100, maxAgeHours: 24, ...WINDOW }
    const ob = new Outbox(dir, opts)
    ob.append([1, 2, 3, 4].map(draft))
    ob.markSent([1, 2, 3])
    ob.close()
    const db = new Database(join(dir, 'outbox.sqlite'))
    db.exec(`DELETE FROM meta WHERE key IN ('retained', 'retained_bytes', 'retained_evicted');
      DROP TRIGGER outbox_retained_in; DROP TRIGGER outbox_retained_out; DROP TRIGGER outbox_retained_gone;`)
    db.close()
    const reopened = new Outbox(dir, opts)
    expect(reopened.resendWindow()).toEqual({ resendableFrom: 1, retained: 3, retainedEvicted: 0 })
    reopened.markSent([4])
    expect(reopened.resendWindow().retained).toBe(4)
    reopened.close()
  })
})

describe('reconnect backoff', () => {
  it('grows exponentially, is capped, and jitters', () => {
    expect(backoffDelay(0, 1000, 60000, () => 1)).toBe(1000)
    expect(backoffDelay(3, 1000, 60000, () => 1)).toBe(8000)
    expect(backoffDelay(30, 1000, 60000, () => 1)).toBe(60000)
    expect(backoffDelay(3, 1000, 60000, () => 0)).toBe(500)
  })
})

describe('simulated London street', () => {
  const weekdayAt = (h: number) => Date.UTC(2026, 10, 25, h, 0) // a Wednesday
  it('is deterministic for a seed', () => {
    const a = new LondonStreet(42)
    const b = new LondonStreet(42)
    const times = [0, 1, 2].map((i) => weekdayAt(8) + i * 1000)
    expect(times.map((t) => a.air(t))).toEqual(times.map((t) => b.air(t)))
    expect(times.map((t) => a.traffic(t, 60))).toEqual(times.map((t) => b.traffic(t, 60)))
    expect(new LondonStreet(43).air(times[0]!)).not.toEqual(new LondonStreet(42).air(times[0]!))
  })

  it('has rush hours on weekdays and a flatter weekend', () => {
    expect(trafficShape(new Date(weekdayAt(8)))).toBeGreaterThan(4 * trafficShape(new Date(weekdayAt(3))))
    expect(trafficShape(new Date(weekdayAt(17) + 1_800_000))).toBeGreaterThan(trafficShape(new Date(weekdayAt(11))))
    const saturday8 = new Date(Date.UTC(2026, 10, 28, 8, 0))
    expect(trafficShape(saturday8)).toBeLessThan(trafficShape(new Date(weekdayAt(8))))
    const street = new LondonStreet(7)
    const total = (h: number) => {
      let n = 0
      for (let i = 0; i < 60; i++)
        n += Object.values(street.traffic(weekdayAt(h) + i * 60_000, 60)).reduce((s, v) => s + (v ?? 0), 0)
      return n
    }
    expect(total(8)).toBeGreaterThan(3 * total(3))
  })
})
