import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readingToLine, statusToLine, toLine } from '../../ingest/store/line-protocol.js'
import { sensorOfLine, splitLines } from '../../ingest/store/line-split.js'
import type { DeviceStatus, Reading } from '../../schemas/types.gen.js'

/**
 * A small reference reader of line protocol (the InfluxDB 2.x rules: a backslash escapes the next
 * character). It splits points the way influxd's scanLine does: a newline ends a point unless it
 * is inside a quoted string field.
 */
function splitPoints(text: string): string[] {
  const points: string[] = []
  let start = 0
  let quoted = false
  let inFields = false
  let equals = 0
  let commas = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '\\') {
      i++
      continue
    }
    if (c === ' ' && !quoted) inFields = true
    if (inFields && !quoted && c === '=') equals++
    else if (inFields && !quoted && c === ',') commas++
    else if (c === '"' && inFields && equals > commas) quoted = !quoted
    if (c === '\n' && !quoted) {
      points.push(text.slice(start, i))
      start = i + 1
      inFields = false
      equals = 0
      commas = 0
    }
  }
  points.push(text.slice(start))
  return points.filter((p) => p.length > 0)
}

/** Splits an identifier section: influxd 1.x takes a separator as escaped when a backslash precedes it. */
function splitIdent(s: string, sep: string): string[] {
  const out: string[] = []
  let cur = ''
  for (let i = 0; i < s.length; i++) {
    if (s[i] === sep && s[i - 1] !== '\\') {
      out.push(cur)
      cur = ''
    } else cur += s[i]
  }
  out.push(cur)
  return out
}

/** Splits the field section at commas (or the end at a space) outside quoted strings. */
function splitFields(s: string): { fields: string[]; rest: string } {
  const fields: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (quoted) {
      cur += c
      if (c === '\\') cur += s[++i] ?? ''
      else if (c === '"') quoted = false
      continue
    }
    if (c === '"' && s[i - 1] === '=' && s[i - 2] !== '\\') quoted = true
    if ((c === ',' || c === ' ') && s[i - 1] !== '\\') {
      fields.push(cur)
      cur = ''
      if (c === ' ') return { fields, rest: s.slice(i + 1) }
    } else cur += c
  }
  fields.push(cur)
  return { fields, rest: '' }
}

const unescapeIdent = (s: string): string => s.replace(/\\([, =])/g, '$1')

function parsePoint(line: string) {
  const [head, ...tail] = splitIdent(line, ' ')
  const { fields: fieldParts, rest: time } = splitFields(tail.join(' '))
  const [measurement, ...tagParts] = splitIdent(head!, ',')
  const tags = Object.fromEntries(
    tagParts.map((t) => splitIdent(t, '=')).map(([k, v]) => [unescapeIdent(k!), unescapeIdent(v!)]),
  )
  const fields: Record<string, string> = {}
  for (const f of fieldParts) {
    const [k, ...rest] = splitIdent(f, '=')
    const raw = rest.join('=')
    fields[unescapeIdent(k!)] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\([\\"])/g, '$1') : raw
  }
  return { measurement: unescapeIdent(measurement!), tags, fields, time }
}

const hostile = fc.string({ unit: fc.constantFrom('a', ',', ' ', '=', '"', '\\', '\n', '\r', 'é', '#', "'", 'x') })
const trimmed = (s: string): string => s.replace(/\\/g, '')
const nonEmpty = hostile.filter((s) => trimmed(s).length > 0)

describe('line protocol escaping', () => {
  it('keeps hostile tag keys, tag values, field keys and string fields as one point, read back exactly', () => {
    fc.assert(
      fc.property(nonEmpty, nonEmpty, nonEmpty, hostile, (tagKey, tagValue, fieldKey, text) => {
        fc.pre(!/[\r\n]/.test(tagKey + tagValue + fieldKey))
        const line = toLine('m ,x', { [tagKey]: tagValue }, { [fieldKey]: text }, 1)
        const points = splitPoints(line)
        expect(points).toHaveLength(1)
        const p = parsePoint(points[0]!)
        expect(p.measurement).toBe('m ,x')
        // Backslashes are removed from identifiers (influxd 1.x reads them inconsistently).
        expect(p.tags).toEqual({ [trimmed(tagKey)]: trimmed(tagValue) })
        expect(p.fields).toEqual({ [trimmed(fieldKey)]: text })
        expect(p.time).toBe('1')
      }),
      { numRuns: 2000 },
    )
  })

  it('splits joined points back exactly, newlines in string fields included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(hostile, hostile), { minLength: 1, maxLength: 5 }), (pairs) => {
        const lines = pairs.map(([tag, text], i) => toLine('m', { t: tag }, { s: text, n: i }, i))
        expect(splitLines(lines.join('\n'), lines.length)).toEqual(lines)
      }),
    )
  })

  it('never lets a newline in a tag start a new point', () => {
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        const line = toLine('air', { sensor: `${a}\n${b}x` }, { v: 1 }, 5)
        expect(splitPoints(line)).toHaveLength(1)
        expect(line.split('\n')).toHaveLength(1)
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

  it('writes air with grade, suspect and flags from the plausibility checks', () => {
    expect(readingToLine(air)).toBe(
      'air,borough=E09000007,grade=citizen,sensor=cam-001 pm2_5=700,pm10=20,temperature=11,seq=42i,interval=60i,' +
        `suspect=true,flags="own_flag,pm2_5_high,pm2_5_above_pm10" ${Date.parse(air.time)}`,
    )
  })

  it('writes traffic with lane, direction and total_vehicles excluding pedestrians', () => {
    const traffic: Reading = {
      sensor: 't1',
      borough: 'E09000001',
      kind: 'traffic',
      time: '2026-11-27T10:00:00Z',
      interval: 300,
      seq: 1,
      values: { counts: { car: 10, hgv: 2, pedestrian: 30 }, mean_speed: 31.5 },
    }
    const p = parsePoint(readingToLine(traffic))
    expect(p.measurement).toBe('traffic')
    expect(p.tags).toEqual({ borough: 'E09000001', direction: 'none', lane: '0', sensor: 't1' })
    expect(p.fields).toMatchObject({
      car: '10i',
      hgv: '2i',
      pedestrian: '30i',
      total_vehicles: '12i',
      mean_speed: '31.5',
    })
    expect(p.fields).toMatchObject({ suspect: 'false' })
    expect(p.fields.flags).toBeUndefined()
  })

  it('writes device status and finds the sensor tag of a line', () => {
    const status: DeviceStatus = {
      sensor: 's.1',
      borough: 'E09000002',
      time: '2026-11-27T10:00:00Z',
      agent_version: '1.0 "beta"\nbuild\\2',
      uptime: 5,
      outbox_depth: 0,
      evicted: 0,
      clock_synced: true,
    }
    const line = statusToLine(status)
    expect(splitPoints(line)).toHaveLength(1)
    expect(parsePoint(line).fields.agent_version).toBe('1.0 "beta"\nbuild\\2')
    expect(sensorOfLine(line)).toBe('s.1')
    expect(sensorOfLine('m,sensor=a\\ b,z=1 v=1 1')).toBe('a b')
  })
})
