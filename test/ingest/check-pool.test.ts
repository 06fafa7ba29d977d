import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { Checked, Expected } from '../../ingest/accept/check-message.js'
import { type Checker, inlineChecker, startCheckPool } from '../../ingest/accept/check-pool.js'
import { airReading, SENSORS } from './fixtures.js'

const info = (id: string) => {
  const s = SENSORS.find((x) => x.id === id)
  return s ? { borough: s.borough, status: s.status, kind: s.kind } : undefined
}

/** A mix of what a broker delivers: singles, batches, bad JSON, schema errors, unknown and retired sensors. */
function messages(): { expected: Expected; payload: Buffer }[] {
  const out: { expected: Expected; payload: Buffer }[] = []
  for (let i = 0; i < 300; i++) {
    const sensor = ['cam-1', 'cam-2', 'old-1', 'nobody'][i % 4]!
    const expected: Expected = { sensor, borough: sensor === 'old-1' ? 'E09000012' : 'E09000007', channel: 'air' }
    let body: unknown = airReading(sensor, expected.borough, i)
    if (i % 7 === 0)
      body = { readings: Array.from({ length: 30 }, (_, j) => airReading(sensor, expected.borough, i * 100 + j)) }
    if (i % 11 === 0) body = { ...airReading(sensor, expected.borough, i), interval: -1 }
    // A view into a larger buffer, as mqtt.js hands payloads over.
    const text = i % 13 === 0 ? '{"not json' : JSON.stringify(body)
    const big = Buffer.from(`xxxx${text}yyyy`)
    out.push({ expected, payload: big.subarray(4, 4 + Buffer.byteLength(text)) })
  }
  return out
}

const asText = (c: Checked) => (c.ok ? { ...c, lines: c.lines.toString() } : c)

describe('check threads', () => {
  let pool: Checker | undefined
  afterEach(async () => {
    await pool?.close()
    pool = undefined
  })

  it('give the same answers as the main thread, in submission order, across two threads', async () => {
    pool = startCheckPool({ threads: 2, maxPayloadBytes: 65_536, logger: pino({ level: 'silent' }) })
    await pool.ready
    const inline = inlineChecker(65_536)
    const input = messages()
    const order: number[] = []
    const threaded = await Promise.all(
      input.map((m, i) =>
        pool!.check(m.expected, m.payload, info(m.expected.sensor)).then((r) => {
          order.push(i)
          return r
        }),
      ),
    )
    const expected = await Promise.all(input.map((m) => inline.check(m.expected, m.payload, info(m.expected.sensor))))
    expect(order).toEqual(input.map((_, i) => i))
    expect(threaded.map(asText)).toEqual(expected.map(asText))
    // The mix really holds both outcomes and the four rejection kinds.
    expect(new Set(threaded.map((r) => (r.ok ? 'ok' : r.code)))).toEqual(
      new Set(['ok', 'READING_INVALID', 'READING_NOT_JSON', 'READING_UNKNOWN_SENSOR']),
    )
    expect(threaded.some((r) => r.ok && r.count === 30)).toBe(true)
  })

  it('answers every message still out when it is closed', async () => {
    pool = startCheckPool({ threads: 1, maxPayloadBytes: 65_536, logger: pino({ level: 'silent' }) })
    const input = messages()
    const pending = input.map((m) => pool!.check(m.expected, m.payload, info(m.expected.sensor)))
    await pool.close()
    const results = await Promise.all(pending)
    expect(results).toHaveLength(input.length)
    expect(results.filter((r) => r.ok).length).toBeGreaterThan(0)
  })

  it('checks on the main thread what a thread that died (out of memory) was holding, and everything after', async () => {
    const logs: string[] = []
    const logger = pino({ level: 'error' }, { write: (line: string) => logs.push(line) })
    // A 24 MB heap starts the thread with room to spare (8 MB does not) but cannot hold a batch of
    // 80,000 parsed readings (it held 20,000): it dies mid-work.
    pool = startCheckPool({ threads: 1, maxPayloadBytes: 64 * 2 ** 20, logger, heapMb: 24 })
    await pool.ready
    const inline = inlineChecker(64 * 2 ** 20)
    const expected: Expected = { sensor: 'cam-1', borough: 'E09000007', channel: 'air' }
    const big = Buffer.from(
      JSON.stringify({ readings: Array.from({ length: 80_000 }, (_, j) => airReading('cam-1', 'E09000007', j)) }),
    )
    const input = [big, big, big, big]
    expect(big.length).toBeLessThan(64 * 2 ** 20) // parsed, not refused as too large
    const results = await Promise.all(input.map((payload) => pool!.check(expected, payload, info('cam-1'))))
    // It died holding work (not at start-up): those messages were checked here.
    const stopped = logs
      .map((l) => JSON.parse(l) as { msg: string; messages?: number })
      .find((l) => /check thread stopped/.test(l.msg))
    expect(stopped?.messages).toBeGreaterThan(0)
    const reference = await inline.check(expected, big, info('cam-1'))
    // More than 500 readings: refused by the schema, but only after parsing, which is what
    // exhausts the thread's heap.
    expect(reference).toMatchObject({ ok: false, code: 'READING_INVALID' })
    for (const r of results) expect(asText(r)).toEqual(asText(reference))
    // With no thread left, later messages are checked here too.
    expect(asText(await pool.check(expected, big, info('cam-1')))).toEqual(asText(reference))
  }, 60_000)
})
