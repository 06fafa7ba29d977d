/**
 * The ONE field mapping table: every field of the shared reading schema (and the InfluxDB field it
 * is stored as) against its plain-English label, unit, FIWARE Smart Data Model attribute and unit
 * code, SensorThings ObservedProperty and unitOfMeasurement, and how it aggregates.
 * The exports (FIWARE, SensorThings, CSV), the register page and docs/register.md all read this table.
 */
export type FieldKind = 'air' | 'traffic'
export type Aggregation = 'mean' | 'sum'

export interface FieldMapping {
  /** Field name in the reading schema and in InfluxDB. */
  field: string
  kind: FieldKind
  label: string
  /** Unit shown to people. */
  unit: string
  /** UCUM code (SensorThings unitOfMeasurement.symbol definition). */
  ucum: string
  /**
   * FIWARE attribute (a term of the Smart Data Models contexts); for traffic classes the
   * TrafficFlowObserved `vehicleType` instead (attribute `intensity`). null: no term in the model
   * contexts, so the FIWARE export leaves the field out.
   */
  fiware: string | null
  /** UN/CEFACT common code carried as FIWARE unitCode. */
  unitCode: string
  /** Multiply our value by this to get FIWARE's (relative humidity is a 0..1 fraction there). */
  fiwareScale: number
  /** FIWARE TrafficFlowObserved vehicleType for a count class. */
  vehicleType?: string
  /** SensorThings ObservedProperty definition URI. */
  definition: string
  observationType: 'OM_Measurement' | 'OM_CountObservation'
  aggregate: Aggregation
  /** Decimal places of the quantity's resolution (docs/schema.md): values and aggregates are rounded to it. */
  decimals: number
  /** Where the mapping departs from the standard model. */
  note?: string
}

/**
 * The resolution each unit is published at: finer digits are below what the sensors resolve
 * (0.1 ug/m3, 0.1 degree C, 1 ppm CO2) and would only be float noise of averaging.
 */
const DECIMALS_BY_UCUM: Record<string, number> = {
  'ug/m3': 1,
  '[ppm]': 0,
  '/cm3': 2,
  Cel: 1,
  '%': 1,
  hPa: 1,
  dB: 1,
  '{count}': 0,
  'km/h': 1,
  '1': 3,
}

const EIONET = 'http://dd.eionet.europa.eu/vocabulary/aq/pollutant/'
const QUDT = 'http://qudt.org/vocab/quantitykind/'
const DFT = 'https://streetsense.london/vocab/traffic/'
const SS_AIR = 'https://streetsense.london/vocab/air/'

function air(
  field: string,
  label: string,
  unit: string,
  ucum: string,
  fiware: string | null,
  unitCode: string,
  definition: string,
  fiwareScale = 1,
): FieldMapping {
  return {
    field,
    kind: 'air',
    label,
    unit,
    ucum,
    fiware,
    unitCode,
    fiwareScale,
    definition,
    observationType: 'OM_Measurement',
    aggregate: 'mean',
    decimals: DECIMALS_BY_UCUM[ucum] ?? 3,
  }
}

/** Particle number concentration (SPS30, NextPM, IPS-7100): particles per cm³ up to a size. */
function particleNumber(field: string, size: string): FieldMapping {
  return {
    ...air(field, `Particles up to ${size} µm (number)`, '#/cm³', '/cm3', null, 'H50', `${SS_AIR}${field}`),
    note: 'no term in the FIWARE contexts: not in the FIWARE export',
  }
}

function count(field: string, label: string, vehicleType?: string, note?: string): FieldMapping {
  return {
    field,
    kind: 'traffic',
    label,
    unit: 'count',
    ucum: '{count}',
    fiware: 'intensity',
    unitCode: 'C62',
    fiwareScale: 1,
    vehicleType,
    definition: `${DFT}${field}`,
    observationType: 'OM_CountObservation',
    aggregate: 'sum',
    decimals: 0,
    ...(note ? { note } : {}),
  }
}

/** A traffic quantity that is averaged (speeds, occupancy): an air-like measurement of kind traffic. */
function trafficMeasure(field: string, label: string, unit: string, ucum: string, fiware: string | null, code: string) {
  return { ...air(field, label, unit, ucum, fiware, code, `${DFT}${field}`), kind: 'traffic' as const }
}

export const FIELD_MAPPINGS: readonly FieldMapping[] = [
  air('pm1', 'PM1 (very fine particles)', 'µg/m³', 'ug/m3', 'pm1', 'GQ', `${EIONET}6002`),
  air('pm2_5', 'PM2.5 (fine particles)', 'µg/m³', 'ug/m3', 'pm25', 'GQ', `${EIONET}6001`),
  air('pm4', 'PM4 (particles)', 'µg/m³', 'ug/m3', 'pm4', 'GQ', `${SS_AIR}pm4`),
  air('pm10', 'PM10 (particles)', 'µg/m³', 'ug/m3', 'pm10', 'GQ', `${EIONET}5`),
  particleNumber('pnc0_5', '0.5'),
  particleNumber('pnc1', '1'),
  particleNumber('pnc2_5', '2.5'),
  particleNumber('pnc4', '4'),
  particleNumber('pnc10', '10'),
  air('no2', 'Nitrogen dioxide (NO₂)', 'µg/m³', 'ug/m3', 'no2', 'GQ', `${EIONET}8`),
  air('o3', 'Ozone (O₃)', 'µg/m³', 'ug/m3', 'o3', 'GQ', `${EIONET}7`),
  air('so2', 'Sulphur dioxide (SO₂)', 'µg/m³', 'ug/m3', 'so2', 'GQ', `${EIONET}1`),
  air('co2', 'Carbon dioxide (CO₂)', 'ppm', '[ppm]', 'co2', '59', `${EIONET}71`),
  air('temperature', 'Air temperature', '°C', 'Cel', 'temperature', 'CEL', `${QUDT}Temperature`),
  {
    ...air(
      'relative_humidity',
      'Relative humidity',
      '%',
      '%',
      'relativeHumidity',
      'C62',
      `${QUDT}RelativeHumidity`,
      0.01,
    ),
    note: 'FIWARE relativeHumidity is a 0..1 fraction',
  },
  air('pressure', 'Air pressure', 'hPa', 'hPa', 'pressure', 'A97', `${QUDT}AtmosphericPressure`),
  {
    ...air('noise_laeq', 'Noise (LAeq)', 'dB(A)', 'dB', 'LAeq', '2N', `${QUDT}SoundPressureLevel`),
    note: 'attribute of FIWARE NoiseLevelObserved, carried on AirQualityObserved',
  },
  {
    ...air('noise_lamin', 'Noise (lowest LA)', 'dB(A)', 'dB', null, '2N', `${SS_AIR}noise_lamin`),
    note: 'no term in the FIWARE contexts: not in the FIWARE export',
  },
  {
    ...air('noise_lamax', 'Noise (highest LA)', 'dB(A)', 'dB', 'LAmax', '2N', `${SS_AIR}noise_lamax`),
    note: 'attribute of FIWARE NoiseLevelObserved, carried on AirQualityObserved',
  },
  count('pedal_cycle', 'Pedal cycles', 'bicycle'),
  count('motorcycle', 'Motorcycles', 'motorcycle'),
  count('car', 'Cars and taxis', 'car'),
  count('bus_coach', 'Buses and coaches', 'bus'),
  count('lgv', 'Light goods vehicles (vans)', 'van'),
  count('hgv', 'Heavy goods vehicles (lorries)', 'lorry'),
  count('pedestrian', 'People walking', undefined, 'not a FIWARE vehicleType: not in the FIWARE export'),
  count('total_vehicles', 'All motor and pedal vehicles', undefined, 'intensity of the all-vehicles entity'),
  trafficMeasure('mean_speed', 'Mean speed', 'km/h', 'km/h', 'averageVehicleSpeed', 'KMH'),
  {
    ...trafficMeasure('v85', '85th percentile speed', 'km/h', 'km/h', null, 'KMH'),
    note: 'no term in TrafficFlowObserved: not in the FIWARE export',
  },
  trafficMeasure(
    'occupancy',
    'Occupancy (share of time a vehicle was over the detector)',
    '0–1',
    '1',
    'occupancy',
    'C62',
  ),
]

const BY_FIELD = new Map(FIELD_MAPPINGS.map((m) => [m.field, m]))

export function fieldMapping(field: string): FieldMapping | undefined {
  return BY_FIELD.get(field)
}

/**
 * A value at its field's published resolution. Counts summed by InfluxDB stay whole; a mean is
 * cut to the decimals of docs/schema.md, so 9.800000000000001 is shown as 9.8.
 */
export function atResolution(field: string, value: number): number {
  const decimals = BY_FIELD.get(field)?.decimals
  if (decimals === undefined || !Number.isFinite(value)) return value
  const scale = 10 ** decimals
  return Math.round(value * scale) / scale
}

/** Every value of a reading or aggregate at its field's resolution. */
export function valuesAtResolution(values: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [field, value] of Object.entries(values)) out[field] = atResolution(field, value)
  return out
}

export function fieldsOf(kind: FieldKind): FieldMapping[] {
  return FIELD_MAPPINGS.filter((m) => m.kind === kind)
}

/** The InfluxDB measurement of each kind (the data model in docs/ingest.md). */
export const MEASUREMENT: Record<FieldKind, string> = { air: 'air', traffic: 'traffic' }

/** UCUM unit names for SensorThings unitOfMeasurement.name. */
export function unitName(m: FieldMapping): string {
  const names: Record<string, string> = {
    'ug/m3': 'microgram per cubic metre',
    '[ppm]': 'part per million',
    '/cm3': 'particles per cubic centimetre',
    Cel: 'degree Celsius',
    '%': 'percent',
    hPa: 'hectopascal',
    dB: 'decibel (A-weighted)',
    '{count}': 'count per interval',
    'km/h': 'kilometre per hour',
    '1': 'fraction',
  }
  return names[m.ucum] ?? m.ucum
}

/** Licences a register entry may carry, with where to read them. */
export const LICENCES: Record<string, { name: string; url: string; attribution: string }> = {
  'OGL-UK-3.0': {
    name: 'Open Government Licence v3.0',
    url: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
    attribution: 'Contains public sector information licensed under the Open Government Licence v3.0.',
  },
  'CC-BY-4.0': {
    name: 'Creative Commons Attribution 4.0',
    url: 'https://creativecommons.org/licenses/by/4.0/',
    attribution: 'Licensed under CC BY 4.0.',
  },
  'CC0-1.0': {
    name: 'Creative Commons Zero 1.0',
    url: 'https://creativecommons.org/publicdomain/zero/1.0/',
    attribution: 'Dedicated to the public domain under CC0 1.0.',
  },
  'ODbL-1.0': {
    name: 'Open Database License 1.0',
    url: 'https://opendatacommons.org/licenses/odbl/1-0/',
    attribution: 'Licensed under the Open Database License 1.0.',
  },
}

export const DEFAULT_LICENCE = 'OGL-UK-3.0'

export function licenceInfo(id: string = DEFAULT_LICENCE) {
  const known = LICENCES[id] ?? LICENCES[DEFAULT_LICENCE]!
  return { id: LICENCES[id] ? id : DEFAULT_LICENCE, ...known }
}
