/**
 * Unit test of the DAQI module against the COMEAP/Defra band table as UK-AIR prints it
 * (https://uk-air.defra.gov.uk/air-pollution/daqi?pollutant=no2&view=more-info, one tab per pollutant).
 */
import { describe, expect, it } from 'vitest'
import { DAQI_BREAKPOINTS, daqi, daqiBand, daqiIndex, overallDaqi } from '../../register/daqi.js'

// The table's ranges as printed, [low, high] per index; 10 is open-ended.
const TABLE = {
  no2: ['0-67', '68-134', '135-200', '201-267', '268-334', '335-400', '401-467', '468-534', '535-600', '601-'],
  o3: ['0-33', '34-66', '67-100', '101-120', '121-140', '141-160', '161-187', '188-213', '214-240', '241-'],
  pm2_5: ['0-11', '12-23', '24-35', '36-41', '42-47', '48-53', '54-58', '59-64', '65-70', '71-'],
  pm10: ['0-16', '17-33', '34-50', '51-58', '59-66', '67-75', '76-83', '84-91', '92-100', '101-'],
} as const

describe('DAQI', () => {
  for (const [pollutant, ranges] of Object.entries(TABLE) as [keyof typeof TABLE, readonly string[]][]) {
    it(`places both ends of every ${pollutant} range in its index`, () => {
      ranges.forEach((range, i) => {
        const [low, high] = range.split('-').map((s) => (s === '' ? undefined : Number(s)))
        expect(daqiIndex(pollutant, low!)).toBe(i + 1)
        if (high !== undefined) expect(daqiIndex(pollutant, high)).toBe(i + 1)
        else expect(daqiIndex(pollutant, low! * 10)).toBe(10)
      })
      expect(DAQI_BREAKPOINTS[pollutant]).toHaveLength(10)
    })
  }

  it('rounds means before placing them (bands are integer ranges)', () => {
    expect(daqiIndex('pm2_5', 11.4)).toBe(1)
    expect(daqiIndex('pm2_5', 11.5)).toBe(2)
    expect(daqiIndex('no2', 67.49)).toBe(1)
  })

  it('names the bands Low, Moderate, High, Very High', () => {
    expect([1, 3, 4, 6, 7, 9, 10].map(daqiBand)).toEqual([
      'Low',
      'Low',
      'Moderate',
      'Moderate',
      'High',
      'High',
      'Very High',
    ])
  })

  it('takes the highest sub-index as the overall index', () => {
    const top = overallDaqi([daqi('pm2_5', 40), daqi('no2', 500), daqi('pm10', 10)])
    expect(top?.pollutant).toBe('no2')
    expect(top?.index).toBe(8)
    expect(top?.band).toBe('High')
    expect(overallDaqi([])).toBeUndefined()
  })

  it('places a negative mean (electrochemical noise around zero) in index 1, and refuses non-finite values', () => {
    expect(daqiIndex('no2', -3.2)).toBe(1)
    expect(() => daqiIndex('o3', Number.NaN)).toThrow(RangeError)
    expect(() => daqiIndex('o3', Number.POSITIVE_INFINITY)).toThrow(RangeError)
  })
})
