/**
 * The write filter and the spool purge that keep erased points out of InfluxDB: lines matched by
 * sensor tag and time (not by a sensor id inside a string field), the range half-open, the spool
 * (real SQLite) rewritten on disk and in memory, taken rows left to the writer.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ErasedLines } from '../../ingest/governance/erased-lines.js'
import { openSpool } from '../../ingest/spool/spool.js'
import { readingToLine } from '../../ingest/store/line-protocol.js'

const line = (sensor: string, time: number, extra = '') =>
  readingToLine({
    sensor,
    borough: 'E09000007',
    kind: 'air',
    time: new Date(time).toISOString(),
    interval: 60,
    seq: time / 1000,
    values: { pm2_5: 3 },
    ...(extra ? { quality: { flags: [extra] } } : {}),
  } as never)

describe('erased lines', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('matches the sensor tag and [from, to), nothing else', () => {
    const erased = new ErasedLines()
    erased.set([{ erasure: 7, sensor: 'cam-1', from: 10_000, to: 20_000 }])
    expect(erased.match(line('cam-1', 10_000))?.erasure).toBe(7)
    expect(erased.match(line('cam-1', 19_000))?.erasure).toBe(7)
    expect(erased.match(line('cam-1', 20_000))).toBeUndefined()
    expect(erased.match(line('cam-1', 9_000))).toBeUndefined()
    expect(erased.match(line('cam-10', 15_000))).toBeUndefined()
    // A flag naming the sensor is a string field, not the tag.
    expect(erased.match(line('cam-2', 15_000, 'sensor=cam-1'))).toBeUndefined()
    expect(erased.match(`device_status,borough=E09000007,sensor=cam-1 uptime=3i 15000`)?.erasure).toBe(7)
    expect(erased.match(`ingest_health,instance=a accepted=1i 15000`)).toBeUndefined()
  })

  it('filters rows for the writer, counting what it drops per erasure', () => {
    const erased = new ErasedLines()
    expect(erased.filter([{ id: 1, lines: line('cam-1', 15_000), count: 1, source: 's' }])).toHaveLength(1)
    erased.set([{ erasure: 3, sensor: 'cam-1', to: 20_000 }])
    const rows = [
      { id: 1, lines: [line('cam-1', 15_000), line('cam-2', 15_000)].join('\n'), count: 2, source: 's' },
      { id: 2, lines: Buffer.from(line('cam-1', 5_000)), count: 1, source: 's' },
      { id: 3, lines: line('cam-1', 25_000), count: 1, source: 's' },
    ]
    const kept = erased.filter(rows)
    expect(kept.map((r) => [r.id, r.count])).toEqual([
      [1, 1],
      [3, 1],
    ])
    expect(kept[0]!.lines).toBe(line('cam-2', 15_000))
    expect(erased.dropped.get(3)).toBe(2)
  })

  it('purges waiting spool rows on disk and in memory, and leaves taken rows to the writer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-purge-'))
    dirs.push(dir)
    const spool = openSpool(dir, { maxLines: 1000 })
    await spool.append({ lines: line('cam-1', 1_000), count: 1, source: 'a' }) // taken below
    await spool.append({ lines: [line('cam-1', 2_000), line('cam-2', 2_000)].join('\n'), count: 2, source: 'b' })
    await spool.append({ lines: line('cam-1', 3_000), count: 1, source: 'c' })
    await spool.append({ lines: line('cam-2', 4_000), count: 1, source: 'd' })
    const taken = spool.take(1)
    expect(taken.map((r) => r.source)).toEqual(['a'])
    const erased = new ErasedLines()
    erased.set([{ erasure: 1, sensor: 'cam-1', to: 10_000 }])
    expect(spool.purge((l) => erased.match(l) !== undefined)).toBe(2)
    expect(spool.depth()).toBe(3)
    const waiting = spool.take(100)
    expect(waiting.map((r) => [r.source, r.count, String(r.lines)])).toEqual([
      ['b', 1, line('cam-2', 2_000)],
      ['d', 1, line('cam-2', 4_000)],
    ])
    spool.close()
    // On disk as well: what a restart reads back.
    const again = openSpool(dir, { maxLines: 1000 })
    expect(again.depth()).toBe(3)
    expect(again.take(100).map((r) => r.count)).toEqual([1, 1, 1])
    again.close()
  })
})
