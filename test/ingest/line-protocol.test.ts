/**
 * Line protocol as text, without a database: field formatting, tag order, the exact line of a
 * reading, and splitting joined lines back. What influxd makes of hostile keys, tags and strings
 * is checked against a real influxd in test/fuzz/line-protocol-properties.test.ts and
 * test/ingest/line-protocol-influx.test.ts (a reader written here would only copy the code).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readingQc } from '../../ingest/qc/reading-rules.js'
import { readingToLine, toLine } from '../../ingest/store/line-protocol.js'
import { sensorOfLine, splitLines } from '../../ingest/store/line-split.js'
import type { Reading } from '../../schemas/types.gen.js'

const hostile = fc.string({ unit: fc.constantFrom('a', ',', ' ', '=', '"', '\\', '\n', '\r', 'é', '#', "'", 'x') })

describe('line protocol escaping', () => {
  it('splits joined points back into the lines that were joined, newlines in string fields included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(hostile, hostile), { minLength: 1, maxLength: 5 }), (pairs) => {
        const lines = pairs.map(([tag, text], i) => toLine('m', { t: tag }, { s: text, n: i }, i))
        expect(splitLines(lines.join('\n'), lines.length)).toEqual(lines)
      }),
    )
  })

  it('never writes a raw newline outside a string field', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (a, b, key) => {
        fc.pre(key.replace(/\\/g, '').length > 0)
        const line = toLine(`m${a}`, { sensor: `${a}\n${b}x`, [key]: b }, { [`f${key}`]: 1 }, 5)
        expect(line).not.toMatch(/[\r\n]/)
      }),
    )
  })

  it('formats integers, floats and booleans by type', () => {
    expect(toLine('m', {}, { i: { int: 3 }, f: 3, g: 2.5, b: true, s: 'x' }, 10)).toBe(
      'm i=3i,f=3,g=2.5,b=true,s="x" 10',
    )
    expect(() => toLine('m', {}, { f: Number.NaN }, 1)).toThrow(RangeError)
    expect(() => toLine('m', {}, {}, 1)).toThrow(RangeError)
  })

  it('leaves out empty tags and sorts tag keys', () => {
    expect(toLine('m', { z: '1', a: '', b: '2' }, { v: 1 }, 1)).toBe('m,b=2,z=1 v=1 1')
  })

  it('finds the sensor tag of a line, escapes undone', () => {
    expect(sensorOfLine('m,sensor=a\\ b,z=1 v=1 1')).toBe('a b')
    expect(sensorOfLine('m,z=1 sensor="not a tag" 1')).toBeUndefined()
  })
})

describe('readings in the data model', () => {
  const air: Reading = {
    sensor: 'cam-001',
    borough: 'E09000007',
    kind: 'air',
    time: '2026-11-27T10:00:00.123Z',
    interval: 60,
    seq: 42,
    values: { pm2_5: 700, pm10: 20, temperature: 11 },
    quality: { grade: 'citizen', status: 'raw', flags: ['own_flag'] },
  }
  // Received when its interval ended: the clock rule has nothing to say.
  const verdictOf = (r: Reading) => readingQc(r, Date.parse(r.time) + r.interval * 1000)

  it('writes air with grade, the QC version, suspect, flags and the failed values', () => {
    expect(readingToLine(air, verdictOf(air))).toBe(
      'air,borough=E09000007,grade=citizen,sensor=cam-001 pm2_5=700,pm10=20,temperature=11,seq=42i,interval=60i,' +
        `suspect=true,flags="own_flag,pm2_5_high,pm2_5_above_pm10",qc=1i,qc_fail="pm2_5,pm10" ${Date.parse(air.time)}`,
    )
  })

  it('writes an empty qc_fail and suspect=false when every value passed, whatever the notes', () => {
    const clean: Reading = { ...air, values: { no2: -4.5 }, quality: { grade: 'indicative', status: 'raw' } }
    expect(readingToLine(clean, verdictOf(clean))).toBe(
      'air,borough=E09000007,grade=indicative,sensor=cam-001 no2=-4.5,seq=42i,interval=60i,' +
        `suspect=false,flags="no2_negative",qc=1i,qc_fail="" ${Date.parse(clean.time)}`,
    )
  })
})
