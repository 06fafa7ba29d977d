/**
 * Property tests of the shared schema (schemas/validate.ts): arbitrary input never throws and
 * always yields ok/errors; readings built from the schema's ranges pass; one field pushed out of
 * its range fails with that field named.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  SCHEMA_IDS,
  type SchemaName,
  type ValidationResult,
  validateAs,
  validateReadingMessage,
} from '../../schemas/validate.js'
import { airReading, deviceStatus, hostileString, reading, trafficReading } from './arbitraries.js'

const NAMES = Object.keys(SCHEMA_IDS) as SchemaName[]

function wellFormed(result: ValidationResult<unknown>): boolean {
  if (result.ok) return true
  return (
    result.errors.length > 0 &&
    result.errors.every(
      (e) => typeof e.path === 'string' && e.path.startsWith('/') && typeof e.message === 'string' && !!e.keyword,
    )
  )
}

/** Values shaped like a reading, each field of any type, so validation goes deep before failing. */
const readingShaped = fc.record(
  {
    sensor: fc.oneof(hostileString, fc.anything()),
    borough: fc.oneof(fc.constant('E09000007'), fc.anything()),
    kind: fc.oneof(fc.constantFrom('air', 'traffic'), fc.anything()),
    time: fc.oneof(fc.constant('2026-01-01T00:00:00Z'), hostileString, fc.anything()),
    interval: fc.anything(),
    seq: fc.oneof(fc.integer(), fc.double(), fc.anything()),
    values: fc.oneof(fc.dictionary(hostileString, fc.anything()), fc.anything()),
    quality: fc.anything(),
    readings: fc.array(fc.anything(), { maxLength: 3 }),
  },
  { requiredKeys: [] },
)

describe('schema properties', () => {
  it('never throws on arbitrary JSON, for every schema', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), readingShaped), fc.constantFrom(...NAMES), (value, name) => {
        expect(wellFormed(validateAs(name, value))).toBe(true)
        expect(wellFormed(validateReadingMessage(value))).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('never throws on arbitrary text parsed as JSON', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        let value: unknown
        try {
          value = JSON.parse(text)
        } catch {
          return // not JSON: the ingest quarantines it before validation
        }
        expect(wellFormed(validateReadingMessage(value))).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('accepts every reading built from the schema ranges, single and batched', () => {
    fc.assert(
      fc.property(reading, (r) => {
        const single = validateReadingMessage(r)
        expect(single).toEqual({ ok: true, value: [r] })
        expect(validateReadingMessage({ readings: [r, { ...r, seq: r.seq === 0 ? 1 : r.seq - 1 }] }).ok).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('accepts every status built from the schema ranges', () => {
    fc.assert(
      fc.property(deviceStatus, (s) => {
        expect(validateAs('status', s).ok).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('refuses a valid reading with one value out of range, naming that field', () => {
    const BELOW_ZERO_IN_RANGE = new Set(['temperature', 'no2', 'o3', 'so2'])
    const broken = fc
      .tuple(
        fc.oneof(airReading, trafficReading),
        fc.constantFrom(-1e9, 1e9, -0.5, Number.NaN, '12', null, true, 1e308),
      )
      .map(([r, bad]) => {
        const values = structuredClone(r.values) as Record<string, unknown> & { counts?: Record<string, unknown> }
        if (r.kind === 'air') {
          const key = Object.keys(values)[0]!
          values[key] = bad
          return { r: { ...r, values }, path: `/values/${key}` }
        }
        const key = Object.keys(values.counts!)[0]!
        values.counts![key] = bad
        return { r: { ...r, values }, path: `/values/counts/${key}` }
      })
      // -0.5 is in range for temperature, and for the gases an electrochemical cell reads slightly
      // below zero in clean air (kept, not clipped); 12-as-string is never valid; NaN cannot be JSON.
      .filter(({ r, path }) => {
        const field = path.slice('/values/'.length)
        return !(BELOW_ZERO_IN_RANGE.has(field) && (r.values as Record<string, unknown>)[field] === -0.5)
      })
    fc.assert(
      fc.property(broken, ({ r, path }) => {
        const result = validateReadingMessage(r)
        expect(result.ok).toBe(false)
        if (!result.ok) expect(result.errors.map((e) => e.path)).toContain(path)
      }),
      { numRuns: 200 },
    )
  })

  it('refuses a sensor id outside the grammar wherever it appears', () => {
    const badId = hostileString.filter((s) => !/^[A-Za-z0-9._:-]{1,64}$/.test(s))
    fc.assert(
      fc.property(reading, badId, (r, id) => {
        const result = validateReadingMessage({ ...r, sensor: id })
        expect(result.ok).toBe(false)
        if (!result.ok) expect(result.errors.map((e) => e.path)).toContain('/sensor')
      }),
      { numRuns: 200 },
    )
  })
})
