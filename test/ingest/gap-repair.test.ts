/**
 * Gap repair as one module (unit): real seq ranges in a temporary stats file, real metrics, a
 * clock the test moves, a directory and a requester the test controls. Holes and the tail,
 * grace, backoff, the offline rule, and each way a gap is closed with its reason.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SensorInfo } from '../../ingest/directory/sensor-directory.js'
import { createIngestMetrics, type IngestMetrics } from '../../ingest/metrics.js'
import { GapRepair } from '../../ingest/repair/gap-repair.js'
import { openSensorStats, type SensorStats } from '../../ingest/stats/sensor-stats.js'
import { closeQuarantined } from '../../ingest/stats/seq-ranges.js'

const GRACE = 1000
const BACKOFF = 2000
const S = 'cam-1'

let dir: string
let stats: SensorStats
let metrics: IngestMetrics
let now: number
let info: SensorInfo | undefined
let connected: boolean
let requests: [number, number][]
let repair: GapRepair

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gap-repair-'))
  stats = openSensorStats(dir)
  metrics = createIngestMetrics()
  now = 1_000_000
  info = { borough: 'E09000007', status: 'active' }
  connected = true
  requests = []
  repair = new GapRepair({
    seqs: stats.seqs,
    directory: { lookup: () => info },
    requester: {
      requestResend(sensor, borough, from, to) {
        expect([sensor, borough]).toEqual([S, 'E09000007'])
        if (connected) requests.push([from, to])
        return connected
      },
    },
    metrics,
    logger: pino({ level: 'silent' }),
    options: { graceMs: GRACE, backoffMs: BACKOFF, maxBackoffMs: 10 * BACKOFF, maxAttempts: 3, tickMs: 100 },
    now: () => now,
  })
})
afterEach(() => {
  stats.close()
  rmSync(dir, { recursive: true, force: true })
})

const readings = (...seqs: number[]) => {
  stats.seqs.record(S, seqs)
  repair.noteMessage(S)
}
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i)
const at = (ms: number) => {
  now += ms
  repair.tick()
}
const value = async (m: { get(): Promise<{ values: { value: number; labels: object }[] }> }, labels = {}) =>
  (await m.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value ?? 0

describe('gap repair', () => {
  it('leaves a hole filled within the grace period alone', async () => {
    readings(...range(1, 5), 9)
    at(0)
    expect(await value(metrics.gapsOpen, { state: 'grace' })).toBe(1)
    readings(6, 7, 8)
    at(GRACE)
    expect(requests).toEqual([])
    expect(await value(metrics.gapsOpened)).toBe(0)
    expect(await value(metrics.gapsOpen, { state: 'grace' })).toBe(0)
  })

  it('asks for a hole after the grace period and counts it repaired when it is filled', async () => {
    readings(...range(1, 5), 9)
    at(0)
    at(GRACE)
    expect(requests).toEqual([[6, 8]])
    expect(await value(metrics.gapsOpened)).toBe(1)
    readings(7) // part of it
    at(10)
    expect(await value(metrics.readingsRecovered)).toBe(1)
    readings(6, 8)
    at(10)
    expect(await value(metrics.gapsRepaired)).toBe(1)
    expect(await value(metrics.readingsRecovered)).toBe(3)
    expect((await metrics.repairSeconds.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value).toBe(1)
  })

  it('sees a missing tail from a heartbeat, only once the node has nothing left to send', async () => {
    readings(...range(1, 5))
    repair.noteMessage(S, { lastSeq: 8, resendableFrom: 1, outboxDepth: 3 })
    at(0)
    at(GRACE)
    expect(requests).toEqual([]) // 6..8 may still be on their way
    repair.noteMessage(S, { lastSeq: 8, resendableFrom: 1, outboxDepth: 0 })
    at(0)
    at(GRACE)
    expect(requests).toEqual([[6, 8]])
    // serving the resend, the node has a backlog again: the tail stays a gap until it arrives
    repair.noteMessage(S, { lastSeq: 8, resendableFrom: 1, outboxDepth: 3 })
    at(10)
    expect(await value(metrics.gapsRepaired)).toBe(0)
    readings(6, 7, 8)
    at(10)
    expect(await value(metrics.gapsRepaired)).toBe(1)
    expect(await value(metrics.readingsRecovered)).toBe(3)
  })

  it('asks again after a backoff, only when the device was heard from, then gives up with the reason', async () => {
    readings(...range(1, 5), 9)
    at(0)
    at(GRACE)
    at(BACKOFF) // not heard from since: the first request waits at the broker
    expect(requests).toEqual([[6, 8]])
    readings(10) // back, without the readings
    at(0)
    expect(requests).toEqual([
      [6, 8],
      [6, 8],
    ])
    now += 10
    readings(11)
    at(2 * BACKOFF - 11)
    expect(requests.length).toBe(2) // the backoff doubled
    at(1)
    expect(requests.length).toBe(3)
    now += 10
    readings(12)
    at(4 * BACKOFF)
    expect(requests.length).toBe(3)
    expect(await value(metrics.gapsUnrecoverable, { reason: 'attempts_exhausted' })).toBe(1)
    expect(await value(metrics.readingsUnrecoverable, { reason: 'attempts_exhausted' })).toBe(3)
    expect(stats.seqs.closedLog(S)[0]).toMatchObject({ first: 6, last: 8, missing: 3, reason: 'attempts_exhausted' })
    at(100 * BACKOFF)
    expect(requests.length).toBe(3) // closed: never asked for again
  })

  it('does not ask again while the device is answering', () => {
    readings(...range(1, 5), 100)
    at(0)
    at(GRACE)
    expect(requests).toEqual([[6, 99]])
    now += 10
    readings(...range(6, 40))
    at(BACKOFF)
    expect(requests.length).toBe(1) // 35 arrived since: still coming
    at(BACKOFF)
    expect(requests).toEqual([
      [6, 99],
      [41, 99],
    ])
  })

  it('closes the part below the node resend window and asks for the rest', async () => {
    readings(...range(1, 5), 9)
    repair.noteMessage(S, { lastSeq: 9, resendableFrom: 7, outboxDepth: 0 })
    at(0)
    at(GRACE)
    expect(requests).toEqual([[7, 8]])
    expect(stats.seqs.closedLog(S)[0]).toMatchObject({ first: 6, last: 6, missing: 1, reason: 'evicted_at_edge' })
  })

  it('closes the gaps of a retired device without asking it', async () => {
    readings(...range(1, 5), 9)
    info = { borough: 'E09000007', status: 'retired' }
    at(0)
    at(GRACE)
    expect(requests).toEqual([])
    expect(await value(metrics.gapsUnrecoverable, { reason: 'device_retired' })).toBe(1)
  })

  it('does not count a request it could not send', async () => {
    readings(...range(1, 5), 9)
    connected = false
    at(0)
    at(GRACE)
    expect(await value(metrics.resendRequests)).toBe(0)
    connected = true
    at(100)
    expect(requests).toEqual([[6, 8]])
    expect(await value(metrics.resendRequests)).toBe(1)
  })

  it('does not ask for readings the platform quarantined', () => {
    readings(...range(1, 5), 9)
    closeQuarantined(stats.seqs, S, [6, 7, 8])
    at(0)
    at(GRACE)
    expect(requests).toEqual([])
  })
})
