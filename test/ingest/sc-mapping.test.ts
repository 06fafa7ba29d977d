/** Unit test: every value type of the airrohr firmware is mapped or set aside with a reason, in both body formats. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ScClock } from '../../ingest/http/sc-clock.js'
import { scValueTypeTableMarkdown } from '../../ingest/http/sc-doc-table.js'
import { mapScBody, nothingStored, ScRefusal } from '../../ingest/http/sc-mapping.js'
import { SC_PINS, SC_VALUE_TYPES } from '../../ingest/http/sc-value-types.js'
import { validateReading } from '../../schemas/validate.js'
import { customApiBody, sensorCommunityApiBody, type Values } from './airrohr-bodies.js'

const FIRMWARE_TYPES = readFileSync(new URL('../fixtures/airrohr/value-types.txt', import.meta.url), 'utf8')
  .trim()
  .split('\n')

const parse = (s: string) => JSON.parse(s) as unknown

describe('the value type table', () => {
  it('knows every value type the firmware sends (none would be reported as unknown)', () => {
    expect(FIRMWARE_TYPES).toHaveLength(72)
    const unknown = FIRMWARE_TYPES.filter((t) => t !== 'interval' && !Object.hasOwn(SC_VALUE_TYPES, t))
    expect(unknown).toEqual([])
    for (const [t, e] of Object.entries(SC_VALUE_TYPES)) {
      expect(Boolean(e.field) !== Boolean(e.ignored), t).toBe(true)
      expect(FIRMWARE_TYPES, `${t} is sent by the firmware`).toContain(t)
    }
  })

  it('maps a custom API body of one node with every sensor, keeping the preferred sensor per quantity', () => {
    const values: Values = FIRMWARE_TYPES.filter(
      (t) => !['samples', 'min_micro', 'max_micro', 'interval', 'signal'].includes(t),
    ).map((t, i) => [t, t === 'GPS_timestamp' ? '2026-11-27T09:00:00.000' : 10 + i])
    const out = mapScBody(parse(customApiBody('1234567', values, 150_000)))
    expect(out.unknown).toEqual([])
    expect(out.intervalSeconds).toBe(150)
    const at = (t: string) => 10 + FIRMWARE_TYPES.indexOf(t)
    expect(out.values).toEqual({
      temperature: at('SHT3X_temperature'),
      relative_humidity: at('SHT3X_humidity'),
      pressure: at('BME280_pressure') / 100,
      co2: at('SCD30_co2_ppm'),
      pm1: at('SPS30_P0'),
      pm2_5: at('SPS30_P2'),
      pm4: at('SPS30_P4'),
      pm10: at('SPS30_P1'),
      pnc0_5: at('SPS30_N05'),
      pnc1: at('SPS30_N1'),
      pnc2_5: at('SPS30_N25'),
      pnc4: at('SPS30_N4'),
      pnc10: at('SPS30_N10'),
      noise_laeq: at('DNMS_noise_LAeq'),
      noise_lamin: at('DNMS_noise_LA_min'),
      noise_lamax: at('DNMS_noise_LA_max'),
    })
    const reasons = Object.fromEntries(out.notStored.map((n) => [n.value_type, n.reason]))
    expect(reasons.BME280_temperature).toMatch(/SHT3X_temperature \(SHT3X\), which is preferred/)
    expect(reasons.SDS_P1).toMatch(/SPS30_P1/)
    expect(reasons.GPS_lat).toMatch(/register entry/)
    expect(reasons.P1).toMatch(/0\.01 ft³/)
    expect(reasons.signal).toMatch(/housekeeping/)
    // Every entry of the body is accounted for: stored, or not stored with a reason.
    expect(Object.keys(out.values).length + out.notStored.length).toBe(values.length + 4)
  })

  it('maps the Sensor.Community API format by X-PIN, with the firmware prefixes removed', () => {
    const cases: [pin: string, prefix: string, values: Values, expected: Record<string, number>][] = [
      [
        '1',
        'SDS_',
        [
          ['SDS_P1', 21.3],
          ['SDS_P2', 9.8],
        ],
        { pm10: 21.3, pm2_5: 9.8 },
      ],
      [
        '1',
        'HPM_',
        [
          ['HPM_P1', 30],
          ['HPM_P2', 20],
        ],
        { pm10: 30, pm2_5: 20 },
      ],
      [
        '1',
        'NPM_',
        [
          ['NPM_P0', 5],
          ['NPM_N1', 40.5],
          ['NPM_N25', 41],
        ],
        { pm1: 5, pnc1: 40.5, pnc2_5: 41 },
      ],
      [
        '1',
        'SPS30_',
        [
          ['SPS30_P4', 7],
          ['SPS30_N05', 12],
          ['SPS30_TS', 0.6],
        ],
        { pm4: 7, pnc0_5: 12 },
      ],
      [
        '3',
        'BMP_',
        [
          ['BMP_pressure', 100_950],
          ['BMP_temperature', 4.1],
        ],
        { pressure: 1009.5, temperature: 4.1 },
      ],
      ['3', 'BMP280_', [['BMP280_pressure', 101_000]], { pressure: 1010 }],
      [
        '7',
        'SHT3X_',
        [
          ['SHT3X_temperature', 3],
          ['SHT3X_humidity', 90],
        ],
        { temperature: 3, relative_humidity: 90 },
      ],
      [
        '7',
        'DHT_',
        [
          ['temperature', 3.5],
          ['humidity', 88],
        ],
        { temperature: 3.5, relative_humidity: 88 },
      ],
      [
        '11',
        'BME280_',
        [
          ['BME280_pressure', 99_000],
          ['BME280_humidity', 70],
        ],
        { pressure: 990, relative_humidity: 70 },
      ],
      ['13', 'DS18B20_', [['DS18B20_temperature', -2]], { temperature: -2 }],
      [
        '15',
        'DNMS_',
        [
          ['DNMS_noise_LAeq', 55.5],
          ['DNMS_noise_LA_max', 70],
        ],
        { noise_laeq: 55.5, noise_lamax: 70 },
      ],
      [
        '17',
        'SCD30_',
        [
          ['SCD30_co2_ppm', 612],
          ['SCD30_temperature', 21],
        ],
        { co2: 612, temperature: 21 },
      ],
    ]
    for (const [pin, prefix, values, expected] of cases) {
      const body = sensorCommunityApiBody(prefix, values)
      expect(body, pin).not.toContain(prefix === 'DHT_' ? 'DHT_' : `"${prefix}`)
      const out = mapScBody(parse(body), pin)
      expect(out.values, `${pin} ${prefix}`).toEqual(expected)
      expect(out.unknown).toEqual([])
    }
  })

  it('sets aside PPD42NS counts and GPS, and refuses a body with nothing to store', () => {
    const ppd = mapScBody(
      parse(
        sensorCommunityApiBody('', [
          ['P1', 1200],
          ['durP1', 3],
        ]),
      ),
      '5',
    )
    expect(ppd.values).toEqual({})
    expect(ppd.notStored.map((n) => n.value_type)).toEqual(['P1', 'durP1'])
    expect(nothingStored(ppd).message).toMatch(/P1 \(a low-pulse-occupancy count/)
    const gps = mapScBody(parse(sensorCommunityApiBody('GPS_', [['GPS_lat', '51.500000']])), '9')
    expect(gps.notStored[0]).toEqual({ value_type: 'lat', reason: expect.stringMatching(/register entry/) })
  })

  it('reports unknown value types and values that are not numbers instead of dropping them', () => {
    const out = mapScBody({
      sensordatavalues: [
        { value_type: 'SDS_P1', value: 'nan' },
        { value_type: 'SDS_P2', value: '7.5' },
        { value_type: 'SEN5X_P1', value: '3' },
      ],
    })
    expect(out.values).toEqual({ pm2_5: 7.5 })
    expect(out.unknown).toEqual(['SEN5X_P1'])
    expect(out.notStored).toEqual([{ value_type: 'SDS_P1', reason: 'value "nan" is not a number' }])
  })

  it('refuses what is not an airrohr body, naming the field', () => {
    const refusal = (f: () => unknown) => {
      try {
        f()
      } catch (err) {
        return err as ScRefusal
      }
      throw new Error('no refusal')
    }
    expect(refusal(() => mapScBody({ values: [] })).field).toBe('/sensordatavalues')
    const pin = refusal(() => mapScBody({ sensordatavalues: [] }, '42'))
    expect(pin).toBeInstanceOf(ScRefusal)
    expect(pin.message).toContain(Object.keys(SC_PINS).join(', '))
  })

  it('gives mapped values that pass the reading schema', () => {
    const out = mapScBody(
      parse(readFileSync(new URL('../fixtures/airrohr/custom-api-body.json', import.meta.url), 'utf8')),
    )
    const reading = {
      sensor: 'sc-1234567',
      borough: 'E09000019',
      kind: 'air',
      time: '2026-11-27T09:00:00.123Z',
      interval: out.intervalSeconds,
      seq: 1,
      values: out.values,
    }
    expect(validateReading(reading).ok).toBe(true)
    expect(out.values).toEqual({
      pm10: 21.3,
      pm2_5: 9.8,
      temperature: 7.25,
      pressure: 1013.25,
      relative_humidity: 81.4,
    })
  })
})

describe('ScClock', () => {
  it('counts on from the stored sequence and never gives one sensor the same time twice', () => {
    const clock = new ScClock({ get: (s: string) => (s === 'sc-1' ? ({ lastSeq: 41 } as never) : undefined) })
    const t = Date.parse('2026-11-27T09:00:00Z')
    expect(clock.next('sc-1', t)).toEqual({ seq: 42, timeMs: t })
    expect(clock.next('sc-1', t)).toEqual({ seq: 43, timeMs: t + 1 })
    expect(clock.next('sc-1', t - 5)).toEqual({ seq: 44, timeMs: t + 2 })
    expect(clock.next('sc-2', t)).toEqual({ seq: 1, timeMs: t })
    expect(clock.next('sc-1', t + 145_000)).toEqual({ seq: 45, timeMs: t + 145_000 })
  })
})

describe('docs/schema.md', () => {
  it('holds the generated value type table between its markers', () => {
    const doc = readFileSync(new URL('../../docs/schema.md', import.meta.url), 'utf8')
    const start = doc.indexOf('<!-- sc-value-types:start -->\n')
    const end = doc.indexOf('\n<!-- sc-value-types:end -->')
    expect(start).toBeGreaterThan(-1)
    expect(doc.slice(start + '<!-- sc-value-types:start -->\n'.length, end)).toBe(scValueTypeTableMarkdown())
  })
})
