import * as formatsModule from 'ajv-formats/dist/formats.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isDateTime } from '../../schemas/date-time.js'

const { fullFormats } = ((formatsModule as unknown as { default?: typeof formatsModule }).default ??
  formatsModule) as unknown as { fullFormats: Record<string, { validate(s: string): boolean }> }
const reference = (s: string) => fullFormats['date-time']!.validate(s)

const digits = (n: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((a) => a.join(''))

describe('date-time format (fast path for UTC)', () => {
  it('decides exactly as ajv-formats on UTC-shaped strings with any digits (bad months, days, leap seconds)', () => {
    const utcShaped = fc
      .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), fc.option(digits(3)))
      .map(([y, mo, d, h, mi, s, f]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${f ? `.${f}` : ''}Z`)
    fc.assert(
      fc.property(utcShaped, (s) => {
        expect(isDateTime(s), s).toBe(reference(s))
      }),
      { numRuns: 20_000 },
    )
  })

  it('decides exactly as ajv-formats on the edge cases and on other forms', () => {
    for (const s of [
      '2024-02-29T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-12-31T23:59:60Z',
      '2026-12-31T23:58:60Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T12:00:00+01:00',
      '2026-01-01t12:00:00z',
      '2026-01-01 12:00:00Z',
      '',
    ]) {
      expect(isDateTime(s), s).toBe(reference(s))
    }
  })
})
