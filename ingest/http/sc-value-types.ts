/**
 * Every value_type the airrohr firmware (opendata-stuttgart/sensors-software, NRZ-2024-135) sends,
 * and what the intake does with it: a field of the shared schema (with a unit conversion), or a
 * stated reason why it is not stored. docs/schema.md prints this table; a test holds them together.
 *
 * Custom API bodies carry the full names (`SDS_P1`, `BME280_pressure`); Sensor.Community API
 * bodies carry one sensor's values with the prefix stripped (`P1`, `pressure`) and say which
 * sensor family with the X-PIN header: `scValueTypeName` puts the prefix back.
 */
import type { AirValues } from '../../schemas/index.js'

export type AirField = keyof AirValues

export interface ScValueType {
  /** The sensor (or part of the firmware) the value comes from. */
  source: string
  /** The field of the shared schema it is stored as; absent when it is not stored. */
  field?: AirField
  /** Multiply by this to get the field's unit (pressure: Pa -> hPa). */
  scale?: number
  /** Why a value type is not stored. */
  ignored?: string
}

const to = (source: string, field: AirField, scale?: number): ScValueType => ({
  source,
  field,
  ...(scale ? { scale } : {}),
})
const not = (source: string, ignored: string): ScValueType => ({ source, ignored })

const PA_TO_HPA = 0.01
const IPS_BINS = 'IPS-7100 size bins the shared schema has no field for'
const PPD = 'a low-pulse-occupancy count per 0.01 ft³, not a mass concentration'
const GPS = 'position: the register entry holds where the sensor is'
const HOUSEKEEPING = 'firmware housekeeping (loop count, loop time, WiFi signal)'

/** value_type -> what it becomes, in the firmware's order of sensors. */
export const SC_VALUE_TYPES: Readonly<Record<string, ScValueType>> = {
  durP1: not('PPD42NS', PPD),
  ratioP1: not('PPD42NS', PPD),
  P1: not('PPD42NS', PPD),
  durP2: not('PPD42NS', PPD),
  ratioP2: not('PPD42NS', PPD),
  P2: not('PPD42NS', PPD),
  SDS_P1: to('SDS011', 'pm10'),
  SDS_P2: to('SDS011', 'pm2_5'),
  PMS_P0: to('PMS', 'pm1'),
  PMS_P1: to('PMS', 'pm10'),
  PMS_P2: to('PMS', 'pm2_5'),
  // The firmware stores the PM10 mean in HPM_P1 and PM2.5 in HPM_P2 (only its debug labels are swapped).
  HPM_P1: to('HPM', 'pm10'),
  HPM_P2: to('HPM', 'pm2_5'),
  NPM_P0: to('NPM', 'pm1'),
  NPM_P1: to('NPM', 'pm10'),
  NPM_P2: to('NPM', 'pm2_5'),
  NPM_N1: to('NPM', 'pnc1'),
  NPM_N10: to('NPM', 'pnc10'),
  NPM_N25: to('NPM', 'pnc2_5'),
  IPS_P0: to('IPS', 'pm1'),
  IPS_P1: to('IPS', 'pm10'),
  IPS_P2: to('IPS', 'pm2_5'),
  IPS_P01: not('IPS', IPS_BINS),
  IPS_P03: not('IPS', IPS_BINS),
  IPS_P05: not('IPS', IPS_BINS),
  IPS_P5: not('IPS', IPS_BINS),
  IPS_N1: to('IPS', 'pnc1'),
  IPS_N10: to('IPS', 'pnc10'),
  IPS_N25: to('IPS', 'pnc2_5'),
  IPS_N01: not('IPS', IPS_BINS),
  IPS_N03: not('IPS', IPS_BINS),
  IPS_N05: to('IPS', 'pnc0_5'),
  IPS_N5: not('IPS', IPS_BINS),
  SPS30_P0: to('SPS30', 'pm1'),
  SPS30_P2: to('SPS30', 'pm2_5'),
  SPS30_P4: to('SPS30', 'pm4'),
  SPS30_P1: to('SPS30', 'pm10'),
  SPS30_N05: to('SPS30', 'pnc0_5'),
  SPS30_N1: to('SPS30', 'pnc1'),
  SPS30_N25: to('SPS30', 'pnc2_5'),
  SPS30_N4: to('SPS30', 'pnc4'),
  SPS30_N10: to('SPS30', 'pnc10'),
  SPS30_TS: not('SPS30', 'typical particle size: the shared schema has no field for it'),
  temperature: to('DHT22', 'temperature'),
  humidity: to('DHT22', 'relative_humidity'),
  HTU21D_temperature: to('HTU21D', 'temperature'),
  HTU21D_humidity: to('HTU21D', 'relative_humidity'),
  BMP_pressure: to('BMP180', 'pressure', PA_TO_HPA),
  BMP_temperature: to('BMP180', 'temperature'),
  BME280_temperature: to('BME280', 'temperature'),
  BME280_pressure: to('BME280', 'pressure', PA_TO_HPA),
  BME280_humidity: to('BME280', 'relative_humidity'),
  BMP280_pressure: to('BMP280', 'pressure', PA_TO_HPA),
  BMP280_temperature: to('BMP280', 'temperature'),
  SHT3X_temperature: to('SHT3X', 'temperature'),
  SHT3X_humidity: to('SHT3X', 'relative_humidity'),
  SCD30_temperature: to('SCD30', 'temperature'),
  SCD30_humidity: to('SCD30', 'relative_humidity'),
  SCD30_co2_ppm: to('SCD30', 'co2'),
  DS18B20_temperature: to('DS18B20', 'temperature'),
  DNMS_noise_LAeq: to('DNMS', 'noise_laeq'),
  DNMS_noise_LA_min: to('DNMS', 'noise_lamin'),
  DNMS_noise_LA_max: to('DNMS', 'noise_lamax'),
  GPS_lat: not('GPS', GPS),
  GPS_lon: not('GPS', GPS),
  GPS_height: not('GPS', GPS),
  GPS_timestamp: not('GPS', GPS),
  samples: not('firmware', HOUSEKEEPING),
  min_micro: not('firmware', HOUSEKEEPING),
  max_micro: not('firmware', HOUSEKEEPING),
  signal: not('firmware', HOUSEKEEPING),
}

/** The custom API's `interval` entry: the firmware's sending interval in ms, used as the reading's interval. */
export const SC_INTERVAL_TYPE = 'interval'

/**
 * When two sensors of one node send the same quantity, the one listed first is stored (the
 * dedicated humidity/temperature sensors before the pressure and CO2 sensors' own thermometers,
 * which sit in warm housings); the other is reported as not stored.
 */
export const SC_PRECEDENCE = [
  'SHT3X',
  'HTU21D',
  'BME280',
  'DHT22',
  'DS18B20',
  'BMP280',
  'BMP180',
  'SCD30',
  'SPS30',
  'NPM',
  'PMS',
  'SDS011',
  'HPM',
  'IPS',
  'DNMS',
] as const

/** X-PIN of the Sensor.Community API -> its sensors (sources above) and the prefixes the firmware stripped. */
export const SC_PINS: Readonly<Record<string, { sensors: readonly string[]; prefixes: readonly string[] }>> = {
  '1': {
    sensors: ['SDS011', 'PMS', 'HPM', 'NPM', 'IPS', 'SPS30'],
    prefixes: ['SDS_', 'PMS_', 'HPM_', 'NPM_', 'IPS_', 'SPS30_'],
  },
  '3': { sensors: ['BMP180', 'BMP280'], prefixes: ['BMP_', 'BMP280_'] },
  '5': { sensors: ['PPD42NS'], prefixes: [''] },
  '7': { sensors: ['DHT22', 'HTU21D', 'SHT3X'], prefixes: ['', 'HTU21D_', 'SHT3X_'] },
  '9': { sensors: ['GPS'], prefixes: ['GPS_'] },
  '11': { sensors: ['BME280'], prefixes: ['BME280_'] },
  '13': { sensors: ['DS18B20'], prefixes: ['DS18B20_'] },
  '15': { sensors: ['DNMS'], prefixes: ['DNMS_'] },
  '17': { sensors: ['SCD30'], prefixes: ['SCD30_'] },
}

/** The full value_type name of a Sensor.Community API value (`P1` on pin 1 -> `SDS_P1`), if the pin sends it. */
export function scValueTypeName(pin: string, name: string): string | undefined {
  const family = Object.hasOwn(SC_PINS, pin) ? SC_PINS[pin] : undefined
  if (!family) return undefined
  return family.prefixes
    .map((p) => `${p}${name}`)
    .find((full) => Object.hasOwn(SC_VALUE_TYPES, full) && family.sensors.includes(SC_VALUE_TYPES[full]!.source))
}

/** Where a value type travels in the Sensor.Community API format: its X-PIN and its name there. */
export function scApiName(valueType: string): { pin: string; name: string } | undefined {
  const source = Object.hasOwn(SC_VALUE_TYPES, valueType) ? SC_VALUE_TYPES[valueType]?.source : undefined
  for (const [pin, family] of Object.entries(SC_PINS)) {
    if (!source || !family.sensors.includes(source)) continue
    const prefix = family.prefixes.find((p) => p !== '' && valueType.startsWith(p)) ?? ''
    return { pin, name: valueType.slice(prefix.length) }
  }
  return undefined
}
