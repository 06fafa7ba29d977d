/**
 * Air quality by borough and sensor, with UK DAQI bands as thresholds. Every mean is of the values
 * that passed QC (the register's passedQc condition): flagged readings stay out of the panels as
 * they stay out of the register's aggregates.
 */
import { DAQI_AVERAGING, type DaqiPollutant, passedQc } from '../../register/index.js'
import {
  boroughAndSensorVariables,
  daqiThresholds,
  dashboard,
  panel,
  resetIds,
  SENSOR_FILTER,
  timeseries,
} from './panels.js'

const POLLUTANTS: [DaqiPollutant, string][] = [
  ['pm2_5', 'PM2.5'],
  ['pm10', 'PM10'],
  ['no2', 'NO₂'],
  ['o3', 'O₃'],
]

/** Interval means per sensor over the dashboard's range, two panels to a row. */
function pollutantSeries(field: DaqiPollutant, label: string, i: number) {
  return timeseries({
    title: `${label} by sensor (µg/m³), DAQI bands`,
    description: `Interval means per sensor of the values that passed QC. Shaded bands: DAQI Low / Moderate / High / Very High for the ${DAQI_AVERAGING[field].label}.`,
    gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
    unit: 'conμgm3',
    thresholds: daqiThresholds(field),
    query: `SELECT mean("${field}") FROM "air" WHERE ${SENSOR_FILTER} AND ${passedQc(field)} AND $timeFilter GROUP BY time($__interval), "sensor" fill(null)`,
    alias: '$tag_sensor',
  })
}

/** Each sensor's mean over the pollutant's DAQI averaging period ending now. */
function daqiNow(field: DaqiPollutant, label: string, i: number) {
  return panel({
    type: 'bargauge',
    title: `${label} ${DAQI_AVERAGING[field].label} now, by sensor`,
    description:
      'The mean of the values that passed QC over the DAQI averaging period ending now, coloured by DAQI band. Not the index: it applies no data-capture rule (the register page does).',
    gridPos: { x: i * 6, y: 16, w: 6, h: 8 },
    unit: 'conμgm3',
    thresholds: daqiThresholds(field),
    targets: [
      {
        refId: 'A',
        query: `SELECT mean("${field}") FROM "air" WHERE ${SENSOR_FILTER} AND ${passedQc(field)} AND time > now() - ${DAQI_AVERAGING[field].hours}h GROUP BY "sensor"`,
        alias: '$tag_sensor',
      },
    ],
    options: { orientation: 'horizontal', displayMode: 'basic', reduceOptions: { calcs: ['lastNotNull'] } },
  })
}

function pm25ByBorough() {
  return timeseries({
    title: 'PM2.5 by borough (mean of its sensors)',
    gridPos: { x: 0, y: 24, w: 12, h: 8 },
    unit: 'conμgm3',
    thresholds: daqiThresholds('pm2_5'),
    query: `SELECT mean("pm2_5") FROM "air" WHERE "borough" =~ /^$borough$/ AND ${passedQc('pm2_5')} AND $timeFilter GROUP BY time($__interval), "borough" fill(null)`,
    alias: '$tag_borough',
  })
}

function weather() {
  return timeseries({
    title: 'Temperature (°C) and relative humidity (%)',
    gridPos: { x: 12, y: 24, w: 12, h: 8 },
    query: `SELECT mean("temperature") AS "temperature", mean("relative_humidity") AS "humidity" FROM "air" WHERE ${SENSOR_FILTER} AND $timeFilter GROUP BY time($__interval), "sensor" fill(null)`,
    alias: '$tag_sensor $col',
  })
}

export function airQualityDashboard() {
  resetIds()
  // Panel ids follow this order.
  const series = POLLUTANTS.map(([field, label], i) => pollutantSeries(field, label, i))
  const now = POLLUTANTS.map(([field, label], i) => daqiNow(field, label, i))
  return dashboard({
    uid: 'streetsense-air',
    title: 'streetsense · Air quality',
    description: 'Air quality by borough and sensor with UK Daily Air Quality Index bands.',
    variables: boroughAndSensorVariables('air'),
    panels: [...series, ...now, pm25ByBorough(), weather()],
  })
}
