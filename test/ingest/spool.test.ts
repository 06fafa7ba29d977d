import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openSpool } from '../../ingest/spool/spool.js'

describe('durable spool', () => {
  const dirs: string[] = []
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'ingest-spool-'))
    dirs.push(d)
    return d
  }
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('group-commits appends, takes in order in batches, deletes only acked rows', async () => {
    const spool = openSpool(tempDir(), { maxLines: 1000 })
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => spool.append({ lines: `m v=${i} ${i}`, count: 1, source: `t/${i}` })),
    )
    await spool.append({ lines: 'm v=10 10\nm v=11 11', count: 2, source: 'http' })
    expect(spool.depth()).toBe(12)
    const first = spool.take(4)
    expect(first.map((r) => r.lines)).toEqual(['m v=0 0', 'm v=1 1', 'm v=2 2', 'm v=3 3'])
    const second = spool.take(100)
    expect(second).toHaveLength(7)
    expect(second.at(-1)).toMatchObject({ count: 2, source: 'http' })
    expect(spool.take(100)).toEqual([])
    expect(spool.inFlight()).toBe(12)
    spool.ack(first.map((r) => r.id))
    expect(spool.depth()).toBe(8)
    spool.release(second.map((r) => r.id))
    expect(spool.take(100).map((r) => r.id)).toEqual(second.map((r) => r.id))
    spool.close()
  })

  it('keeps unacked rows across a reopen (what a crash leaves) and reports full', async () => {
    const dir = tempDir()
    const spool = openSpool(dir, { maxLines: 3 })
    for (let i = 0; i < 3; i++) await spool.append({ lines: `m v=${i} ${i}`, count: 1, source: 's' })
    expect(spool.isFull()).toBe(true)
    spool.ack(spool.take(1).map((r) => r.id))
    expect(spool.isFull()).toBe(false)
    spool.take(10) // taken, never acked: must survive
    spool.close()
    const again = openSpool(dir, { maxLines: 3 })
    expect(again.depth()).toBe(2)
    expect(again.take(10).map((r) => r.lines)).toEqual(['m v=1 1', 'm v=2 2'])
    again.close()
  })

  it('never splits a row and always gives at least one row', async () => {
    const spool = openSpool(tempDir(), { maxLines: 1000 })
    await spool.append({
      lines: Array.from({ length: 30 }, (_, i) => `m v=${i} ${i}`).join('\n'),
      count: 30,
      source: 's',
    })
    await spool.append({ lines: 'm v=1 1', count: 1, source: 's' })
    const rows = spool.take(10)
    expect(rows).toHaveLength(1)
    expect(rows[0]?.count).toBe(30)
    spool.close()
  })

  it('reads from disk while rows exceed its memory bound, and never hands out a row twice', async () => {
    const dir = tempDir()
    // Room for about two rows in memory: the rest exist only in SQLite.
    const spool = openSpool(dir, { maxLines: 1000, memoryBytes: 200 })
    for (let i = 0; i < 6; i++) await spool.append({ lines: `m v=${i} ${i}`, count: 1, source: 's' })
    const first = spool.take(2)
    const second = spool.take(2)
    expect([...first, ...second].map((r) => r.lines)).toEqual(['m v=0 0', 'm v=1 1', 'm v=2 2', 'm v=3 3'])
    spool.ack(second.map((r) => r.id))
    spool.release(first.map((r) => r.id))
    const rest = spool.take(100)
    expect(rest.map((r) => r.lines).sort()).toEqual(['m v=0 0', 'm v=1 1', 'm v=4 4', 'm v=5 5'])
    expect(spool.take(100)).toEqual([])
    spool.ack(rest.map((r) => r.id))
    expect(spool.depth()).toBe(0)
    // Every disk-only row is gone: new rows are served from memory, in order.
    await spool.append({ lines: 'm v=6 6', count: 1, source: 's' })
    expect(spool.take(100).map((r) => r.lines)).toEqual(['m v=6 6'])
    spool.close()
    const again = openSpool(dir, { maxLines: 1000 })
    expect(again.take(100).map((r) => r.lines)).toEqual(['m v=6 6'])
    again.close()
  })
})
