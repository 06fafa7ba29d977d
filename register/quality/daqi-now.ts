/**
 * The Daily Air Quality Index of one sensor now, by UK-AIR's rules (register/daqi.ts): each
 * pollutant on its averaging period ending at the last full hour (PM2.5 and PM10 the running
 * 24-hour mean, NO2 the hourly mean, O3 the running 8-hour mean), from hourly means of the values
 * that passed QC; an hour counts only with at least 45 minutes of such readings, and a period
 * only with 75% of its hours (18 of 24, 6 of 8). With less, the index is null and says why: a
 * window short of data is missing, not averaged over what exists. For a sensor that is not
 * reference-grade the index is indicative only: the official DAQI is defined on reference
 * measurements.
 */
import { DAQI_AVERAGING, type DaqiBand, type DaqiPollutant, daqi, VALID_HOUR_COVERAGE } from '../daqi.js'
import type { InfluxReader } from '../influx-read.js'
import { type AggregateRow, aggregateRows, type SensorQuality } from './aggregates.js'

const HOUR = 3_600_000

export interface DaqiPollutantNow {
  pollutant: DaqiPollutant
  averaging: string
  /** The averaging period: [from, to), ending at the last full hour. */
  from: string
  to: string
  hours_valid: number
  hours_needed: number
  value: number | null
  index: number | null
  band: DaqiBand | null
  /** Whether the value is from the calibrated (corrected) series. */
  corrected: boolean
  reason?: string
}

export interface DaqiNow {
  indicative: boolean
  label: string
  overall: {
    index: number | null
    band: DaqiBand | null
    pollutant: DaqiPollutant | null
    based_on: DaqiPollutant[]
    reason?: string
  }
  pollutants: DaqiPollutantNow[]
}

export const INDICATIVE_LABEL = 'Indicative: from a low-cost sensor, not the official Daily Air Quality Index'
export const NOT_ENOUGH_DATA = 'not enough data yet'

export async function daqiNow(
  influx: InfluxReader,
  sensor: { id: string; grade?: string; pollutants: readonly DaqiPollutant[] },
  quality: SensorQuality,
  now: number,
): Promise<DaqiNow> {
  const end = Math.floor(now / HOUR) * HOUR
  const longest = Math.max(1, ...sensor.pollutants.map((p) => DAQI_AVERAGING[p].hours))
  const { rows } =
    sensor.pollutants.length === 0
      ? { rows: [] }
      : await aggregateRows(influx, {
          sensor: sensor.id,
          kind: 'air',
          every: '1h',
          from: end - longest * HOUR,
          to: end,
          fields: sensor.pollutants,
          quality,
        })
  const pollutants = sensor.pollutants.map((p) => pollutantNow(p, rows, end))
  const indicative = sensor.grade !== 'reference'
  return {
    indicative,
    label: indicative ? INDICATIVE_LABEL : 'From a reference-grade instrument; provisional until ratified',
    overall: overallOf(pollutants),
    pollutants,
  }
}

function pollutantNow(p: DaqiPollutant, rows: AggregateRow[], end: number): DaqiPollutantNow {
  const { hours, label, validHoursNeeded } = DAQI_AVERAGING[p]
  const from = end - hours * HOUR
  const valid = rows.filter((r) => Date.parse(r.time) >= from && (r.coverage[p] ?? 0) >= VALID_HOUR_COVERAGE)
  const base = {
    pollutant: p,
    averaging: label,
    from: new Date(from).toISOString(),
    to: new Date(end).toISOString(),
    hours_valid: valid.length,
    hours_needed: validHoursNeeded,
  }
  if (valid.length < validHoursNeeded) {
    const reason =
      hours === 1
        ? `${NOT_ENOUGH_DATA}: the last full hour has less than 45 minutes of valid readings`
        : `${NOT_ENOUGH_DATA}: ${valid.length} of the last ${hours} hours have at least 45 minutes of valid readings; ${validHoursNeeded} are needed`
    return { ...base, value: null, index: null, band: null, corrected: false, reason }
  }
  // The corrected series only when every valid hour has it: a mean must not mix the two.
  const corrected = valid.every((r) => r.corrected?.[p] !== undefined)
  const mean = valid.reduce((sum, r) => sum + (corrected ? r.corrected![p]! : r.values[p]!), 0) / valid.length
  const result = daqi(p, mean)
  return { ...base, value: Math.round(mean * 10) / 10, index: result.index, band: result.band, corrected }
}

function overallOf(pollutants: DaqiPollutantNow[]): DaqiNow['overall'] {
  const valid = pollutants.filter((p) => p.index !== null)
  if (valid.length === 0) {
    return { index: null, band: null, pollutant: null, based_on: [], reason: NOT_ENOUGH_DATA }
  }
  const top = valid.reduce((a, b) => (b.index! > a.index! ? b : a))
  const missing = pollutants.filter((p) => p.index === null).map((p) => p.pollutant)
  return {
    index: top.index,
    band: top.band,
    pollutant: top.pollutant,
    based_on: valid.map((p) => p.pollutant),
    ...(missing.length > 0 ? { reason: `without ${missing.join(', ')}: ${NOT_ENOUGH_DATA}` } : {}),
  }
}
