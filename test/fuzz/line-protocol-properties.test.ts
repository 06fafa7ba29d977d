/**
 * Property tests of line-protocol encoding (ingest/store/line-protocol.ts) and of reading it back
 * (ingest/store/line-split.ts) against a REAL influxd, the oracle:
 * whatever strings go into tags and string fields, and whatever schema-valid reading or status is
 * encoded, InfluxDB stores exactly the points written, with the tag and field values given, and
 * nothing becomes another point, tag or field. Each run writes to its own time window and is
 * read back by that window.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readingToLine, statusToLine, toLine } from '../../ingest/store/line-protocol.js'
import { sensorOfLine, splitLines } from '../../ingest/store/line-split.js'
import type { TrafficValues } from '../../schemas/types.gen.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { deviceStatus, hostileString, reading } from './arbitraries.js'

const DB = 'props'
/** What a tag key, tag value or field key becomes (line-protocol.ts): backslashes removed, CR/LF -> space. */
const storedTag = (s: string) => s.replace(/\\/g, '').replace(/[\r\n]/g, ' ')
/** JS strings with lone surrogates cannot be UTF-8; the fetch body carries U+FFFD instead. */
const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('utf8')

let window = 0
/** A fresh 1-second window per run, so runs never share a series timestamp. */
const nextWindow = () => 1_600_000_000_000 + ++window * 1000

describe('line protocol against real influxd (properties)', () => {
  let influx: InfluxServer
  beforeAll(async () => {
    influx = await startInfluxd()
    await influx.createDatabase(DB)
  })
  afterAll(async () => {
    await influx?.stop()
  })

  const inWindow = (measurement: string, t0: number) =>
    influx.rows(`SELECT * FROM "${measurement}" WHERE time >= ${t0}ms AND time < ${t0 + 1000}ms ORDER BY time`, DB)

  it('stores hostile tag values and string fields as data, one point per line', async () => {
    const point = fc.record({ tag: hostileString, other: hostileString, text: hostileString, text2: hostileString })
    let points = 0
    await fc.assert(
      fc.asyncProperty(fc.array(point, { minLength: 1, maxLength: 5 }), async (batch) => {
        const t0 = nextWindow()
        const lines = batch.map((p, i) =>
          toLine(
            'hostile',
            { sensor: p.tag, borough: p.other },
            { idx: { int: i }, text: p.text, note: p.text2 },
            t0 + i,
          ),
        )
        const body = lines.join('\n')
        await influx.write(DB, body, 'ms')
        const rows = await inWindow('hostile', t0)
        expect(rows).toHaveLength(batch.length)
        // The writer's reading-back agrees with influxd: where a point ends, and its sensor tag.
        expect(splitLines(body, lines.length)).toEqual(lines)
        for (const [i, p] of batch.entries()) {
          const row = rows[i]!
          expect(row.time).toBe(t0 + i)
          expect(row.idx).toBe(i)
          expect(row.text).toBe(utf8(p.text))
          expect(row.note).toBe(utf8(p.text2))
          // An empty tag value is left out of the line (InfluxDB refuses empty tags).
          expect(row.sensor ?? '').toBe(utf8(storedTag(p.tag)))
          expect(utf8(sensorOfLine(lines[i]!) ?? '')).toBe(row.sensor ?? '')
          expect(row.borough ?? '').toBe(utf8(storedTag(p.other)))
          // Only these columns hold values (an omitted tag is null, as in a batch of none at all).
          const present = Object.keys(row).filter((k) => row[k] !== null)
          const tags = [storedTag(p.other) && 'borough', storedTag(p.tag) && 'sensor'].filter(Boolean)
          expect(present.sort()).toEqual([...tags, 'idx', 'note', 'text', 'time'].sort())
        }
        points += batch.length
      }),
      { numRuns: 150 },
    )
    // Nothing created a measurement, tag key or field key of its own.
    const measurements = (await influx.rows('SHOW MEASUREMENTS', DB)).map((r) => r.name)
    expect(measurements).toEqual(['hostile'])
    const tagKeys = (await influx.rows('SHOW TAG KEYS FROM hostile', DB)).map((r) => r.tagKey)
    expect(tagKeys).toEqual(['borough', 'sensor'])
    const fieldKeys = (await influx.rows('SHOW FIELD KEYS FROM hostile', DB)).map((r) => r.fieldKey)
    expect(fieldKeys).toEqual(['idx', 'note', 'text'])
    const [total] = await influx.rows('SELECT count(idx) FROM hostile', DB)
    expect(total?.count).toBe(points)
    console.log(`line-protocol hostile strings: ${points} points written, ${total?.count} stored`)
  })

  it('stores hostile measurement names, tag keys and field keys as the names given', async () => {
    const key = hostileString.filter((k) => storedTag(k).length > 0 && storedTag(k) !== 'time')
    let run = 0
    await fc.assert(
      fc.asyncProperty(key, key, hostileString, hostileString, async (tagKey, fieldKey, tagValue, text) => {
        fc.pre(storedTag(tagKey) !== storedTag(fieldKey) && storedTag(fieldKey) !== 'idx')
        fc.pre(storedTag(tagValue).length > 0)
        // Its own measurement per run (with a backslash, a comma, a space and an equals sign of its
        // own), so keys of different runs never meet in one SELECT *.
        const measurement = `ke\\ys ,=${++run}`
        const stored = storedTag(measurement)
        const t0 = nextWindow()
        await influx.write(
          DB,
          toLine(measurement, { [tagKey]: tagValue }, { idx: { int: run }, [fieldKey]: text }, t0),
          'ms',
        )
        const rows = await influx.rows(`SELECT * FROM "${stored}"`, DB)
        expect(rows).toEqual([
          {
            time: t0,
            idx: run,
            [utf8(storedTag(tagKey))]: utf8(storedTag(tagValue)),
            [utf8(storedTag(fieldKey))]: utf8(text),
          },
        ])
        const tagKeys = (await influx.rows(`SHOW TAG KEYS FROM "${stored}"`, DB)).map((r) => r.tagKey)
        expect(tagKeys).toEqual([utf8(storedTag(tagKey))])
      }),
      { numRuns: 100 },
    )
  })

  it('stores every schema-valid reading as exactly one point with its sensor, seq and values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(reading, { minLength: 1, maxLength: 5 }), async (batch) => {
        const t0 = nextWindow()
        const timed = batch.map((r, i) => ({ ...r, time: new Date(t0 + i).toISOString() }))
        await influx.write(DB, timed.map((r) => readingToLine(r)).join('\n'), 'ms')
        const air = await inWindow('air', t0)
        const traffic = await inWindow('traffic', t0)
        expect(air.length + traffic.length).toBe(batch.length)
        for (const [i, r] of timed.entries()) {
          const rows = r.kind === 'air' ? air : traffic
          const row = rows.find((x) => x.time === t0 + i)
          expect(row, `point ${i}`).toBeDefined()
          expect(row!.sensor).toBe(r.sensor)
          expect(row!.borough).toBe(r.borough)
          expect(row!.seq).toBe(r.seq)
          expect(row!.interval).toBe(r.interval)
          if (r.kind === 'air') {
            for (const [k, v] of Object.entries(r.values)) expect(row![k] === v, `${k}: ${row![k]} vs ${v}`).toBe(true)
          } else {
            const values = r.values as TrafficValues
            for (const [k, v] of Object.entries(values.counts)) expect(row![k]).toBe(v)
            expect(row!.lane).toBe(String(values.lane ?? 0))
          }
        }
      }),
      { numRuns: 100 },
    )
    expect((await influx.rows('SHOW TAG KEYS FROM air', DB)).map((r) => r.tagKey)).toEqual([
      'borough',
      'grade',
      'sensor',
    ])
    expect((await influx.rows('SHOW TAG KEYS FROM traffic', DB)).map((r) => r.tagKey)).toEqual([
      'borough',
      'direction',
      'lane',
      'sensor',
    ])
  })

  it('stores every schema-valid status with its free-text version strings intact', async () => {
    await fc.assert(
      fc.asyncProperty(deviceStatus, async (status) => {
        const t0 = nextWindow()
        await influx.write(DB, statusToLine({ ...status, time: new Date(t0).toISOString() }), 'ms')
        const rows = await inWindow('device_status', t0)
        expect(rows).toHaveLength(1)
        expect(rows[0]!.sensor).toBe(status.sensor)
        expect(rows[0]!.agent_version).toBe(status.agent_version)
        expect(rows[0]!.firmware ?? undefined).toBe(status.firmware)
        expect(rows[0]!.uptime).toBe(status.uptime)
      }),
      { numRuns: 100 },
    )
    expect((await influx.rows('SHOW TAG KEYS FROM device_status', DB)).map((r) => r.tagKey)).toEqual([
      'borough',
      'sensor',
    ])
  })
})
