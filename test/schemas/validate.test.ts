import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { plausibilityFlags } from '../../schemas/plausibility.js'
import type { Reading } from '../../schemas/types.gen.js'
import {
  isUnstorableTime,
  MAX_FUTURE_MS,
  validateCommand,
  validateReading,
  validateReadingMessage,
  validateStatus,
} from '../../schemas/validate.js'

const example = (name: string): Reading =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../schemas/examples/valid', name), 'utf8'))

describe('reading validation', () => {
  it('accepts a single reading or a batch and returns the readings', () => {
    const air = example('reading-air.json')
    const single = validateReadingMessage(air)
    expect(single.ok && single.value.map((r) => r.seq)).toEqual([1042])
    const batch = validateReadingMessage({ readings: [air, { ...air, seq: 1043 }] })
    expect(batch.ok && batch.value.map((r) => r.seq)).toEqual([1042, 1043])
  })

  it('allows a small clock skew but not more', () => {
    const now = Date.parse('2026-11-27T08:00:00Z')
    const at = (ms: number) => ({ ...example('reading-air.json'), time: new Date(now + ms).toISOString() })
    expect(validateReading(at(MAX_FUTURE_MS - 1000), now).ok).toBe(true)
    const late = validateReading(at(MAX_FUTURE_MS + 1000), now)
    expect(late.ok).toBe(false)
    expect(!late.ok && late.errors[0]).toMatchObject({ path: '/time', keyword: 'future' })
  })

  it('reports every failing field with its JSON pointer', () => {
    const bad = { ...example('reading-air.json'), seq: -1, values: { pm2_5: -1, pm10: 'high' } }
    const result = validateReading(bad)
    expect(result.ok).toBe(false)
    const paths = !result.ok ? result.errors.map((e) => e.path).sort() : []
    expect(paths).toEqual(['/seq', '/values/pm10', '/values/pm2_5'])
  })

  it('refuses things that are not objects', () => {
    for (const v of [null, 42, 'reading', [], true]) expect(validateReadingMessage(v).ok).toBe(false)
  })
})

describe('plausibility: possible but suspicious values are flagged, not rejected', () => {
  it('flags an extreme PM episode and PM2.5 above PM10', () => {
    const r = example('reading-air-suspect-but-possible.json')
    expect(validateReading(r).ok).toBe(true)
    expect(plausibilityFlags(r)).toEqual(['pm2_5_high', 'pm10_high'])
    expect(plausibilityFlags({ ...r, values: { pm2_5: 30, pm10: 20 } })).toEqual(['pm2_5_above_pm10'])
  })

  it('leaves an ordinary reading unflagged', () => {
    expect(plausibilityFlags(example('reading-air.json'))).toEqual([])
    expect(plausibilityFlags(example('reading-traffic.json'))).toEqual([])
  })
})

describe('command validation', () => {
  const envelope = { id: 'c-1', expires_at: '2026-12-01T11:00:00Z' }
  it('names the failing field of the command given, not of every variant', () => {
    expect(validateCommand({ ...envelope, command: 'set_interval', interval: 0 })).toEqual({
      ok: false,
      errors: [{ path: '/interval', message: 'must be >= 1', keyword: 'minimum' }],
    })
    expect(validateCommand({ ...envelope, command: 'resend', from: 1 })).toMatchObject({
      ok: false,
      errors: [{ path: '/to', keyword: 'required' }],
    })
  })

  it('lists the known commands for an unknown one', () => {
    expect(validateCommand({ ...envelope, command: 'reboot' })).toEqual({
      ok: false,
      errors: [{ path: '/command', message: 'must be one of set_interval, resend, status', keyword: 'enum' }],
    })
    expect(validateCommand({ ...envelope, command: 'status' })).toEqual({
      ok: true,
      value: { ...envelope, command: 'status' },
    })
  })
})

describe('times InfluxDB can store', () => {
  it('are the nanoseconds of a signed 64-bit integer, to the millisecond, and never a leap second', () => {
    expect(isUnstorableTime('1677-09-21T00:12:43.146Z')).toBe(false)
    expect(isUnstorableTime('1677-09-21T00:12:43.145Z')).toBe(true)
    expect(isUnstorableTime('2262-04-11T23:47:16.854Z')).toBe(false)
    expect(isUnstorableTime('2262-04-11T23:47:16.855Z')).toBe(true)
    expect(isUnstorableTime('2016-12-31T23:59:60Z')).toBe(true)
    expect(isUnstorableTime('2026-05-01T12:00:00Z')).toBe(false)
  })

  it('refuses a reading or a status whose time cannot be stored, naming /time', () => {
    const r = example('reading-air.json')
    expect(validateReading({ ...r, time: '2016-12-31T23:59:60Z' })).toMatchObject({
      ok: false,
      errors: [{ path: '/time', keyword: 'storable' }],
    })
    const status = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../schemas/examples/valid/status-heartbeat.json'), 'utf8'),
    ) as Record<string, unknown>
    expect(validateStatus(status).ok).toBe(true)
    expect(validateStatus({ ...status, time: '2300-01-01T00:00:00Z' })).toMatchObject({
      ok: false,
      errors: [{ path: '/time', keyword: 'storable' }],
    })
  })
})
