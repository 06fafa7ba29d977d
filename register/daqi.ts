/**
 * UK Daily Air Quality Index (COMEAP/Defra): index 1..10 per pollutant from its averaging-period
 * mean (NO2 hourly, O3 running 8-hour, PM2.5 and PM10 24-hour), bands Low 1-3, Moderate 4-6,
 * High 7-9, Very High 10; the overall index is the highest of the pollutants'. Table and bands:
 * UK-AIR, https://uk-air.defra.gov.uk/air-pollution/daqi?pollutant=no2&view=more-info (one tab per
 * pollutant). The PM2.5 and PM10 rows were checked against independent implementations of the
 * index, not yet against UK-AIR's own PM tabs.
 * The lower bound of each index, in ug/m3; a value belongs to the highest index whose bound it reaches.
 * Bands are integer ranges (0-11, 12-23, ...), so a mean is rounded before it is placed.
 */
export type DaqiPollutant = 'pm2_5' | 'pm10' | 'no2' | 'o3'
export type DaqiBand = 'Low' | 'Moderate' | 'High' | 'Very High'

export const DAQI_BREAKPOINTS: Record<DaqiPollutant, readonly number[]> = {
  pm2_5: [0, 12, 24, 36, 42, 48, 54, 59, 65, 71],
  pm10: [0, 17, 34, 51, 59, 67, 76, 84, 92, 101],
  no2: [0, 68, 135, 201, 268, 335, 401, 468, 535, 601],
  o3: [0, 34, 67, 101, 121, 141, 161, 188, 214, 241],
}

/**
 * The averaging period each index is defined on (UK-AIR: PM running 24-hour mean, NO2 hourly,
 * O3 running 8-hour mean), its plain-English name, and how many of its hours must be valid (at
 * least 75% data capture: 18 of 24 hours, 6 of 8; an hour is valid with 45 minutes of readings).
 */
export const DAQI_AVERAGING: Record<DaqiPollutant, { hours: number; label: string; validHoursNeeded: number }> = {
  pm2_5: { hours: 24, label: '24-hour mean', validHoursNeeded: 18 },
  pm10: { hours: 24, label: '24-hour mean', validHoursNeeded: 18 },
  no2: { hours: 1, label: '1-hour mean', validHoursNeeded: 1 },
  o3: { hours: 8, label: '8-hour mean', validHoursNeeded: 6 },
}

/** An hourly mean is valid when its readings cover at least this share of the hour (45 minutes). */
export const VALID_HOUR_COVERAGE = 0.75

/** Colours used by UK-AIR for the ten index values (text colour chosen for AA contrast). */
export const DAQI_COLOURS: readonly { fill: string; text: string }[] = [
  { fill: '#9cff9c', text: '#000' },
  { fill: '#31ff00', text: '#000' },
  { fill: '#31cf00', text: '#000' },
  { fill: '#ffff00', text: '#000' },
  { fill: '#ffcf00', text: '#000' },
  { fill: '#ff9a00', text: '#000' },
  { fill: '#ff6464', text: '#000' },
  { fill: '#ff0000', text: '#000' },
  { fill: '#990000', text: '#fff' },
  { fill: '#ce30ff', text: '#000' },
]

export const DAQI_ADVICE: Record<DaqiBand, string> = {
  Low: 'Enjoy your usual outdoor activities.',
  Moderate:
    'Adults and children with lung problems, and adults with heart problems, who experience symptoms, should consider reducing strenuous physical activity, particularly outdoors.',
  High: 'Anyone experiencing discomfort such as sore eyes, cough or sore throat should consider reducing activity, particularly outdoors. At-risk groups should reduce strenuous physical exertion.',
  'Very High':
    'Reduce physical exertion, particularly outdoors, especially if you experience symptoms such as cough or sore throat. At-risk groups should avoid strenuous physical activity.',
}

export function isDaqiPollutant(field: string): field is DaqiPollutant {
  return Object.hasOwn(DAQI_BREAKPOINTS, field)
}

/**
 * The index of a mean: rounded half up once, as the last step before the lookup. A negative mean
 * (an electrochemical sensor's noise around zero in clean air) is in index 1.
 */
export function daqiIndex(pollutant: DaqiPollutant, value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`DAQI needs a finite value, got ${value}`)
  const rounded = Math.max(0, Math.round(value))
  const bounds = DAQI_BREAKPOINTS[pollutant]
  let index = 1
  for (let i = 0; i < bounds.length; i++) if (rounded >= bounds[i]!) index = i + 1
  return index
}

export function daqiBand(index: number): DaqiBand {
  if (index <= 3) return 'Low'
  if (index <= 6) return 'Moderate'
  if (index <= 9) return 'High'
  return 'Very High'
}

export interface DaqiResult {
  pollutant: DaqiPollutant
  value: number
  index: number
  band: DaqiBand
  averaging: string
}

export function daqi(pollutant: DaqiPollutant, value: number): DaqiResult {
  const index = daqiIndex(pollutant, value)
  return { pollutant, value, index, band: daqiBand(index), averaging: DAQI_AVERAGING[pollutant].label }
}

/** The overall index is the highest of the pollutant sub-indices. */
export function overallDaqi(results: readonly DaqiResult[]): DaqiResult | undefined {
  return results.reduce<DaqiResult | undefined>((top, r) => (!top || r.index > top.index ? r : top), undefined)
}
