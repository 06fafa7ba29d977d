/** Air quality by borough and sensor, with UK DAQI bands as thresholds. */
import { DAQI_AVERAGING, type DaqiPollutant } from '../../register/index.js'
import { daqiThresholds, dashboard, panel, resetIds, tagVariable } from './panels.js'

const FILTER = `"borough" =~ /^$borough$/ AND "sensor" =~ /^$sensor$/`

export function airQualityDashboard() {
  resetIds()
  const pollutants: [DaqiPollutant, string][] = [
    ['pm2_5', 'PM2.5'],
    ['pm10', 'PM10'],
    ['no2', 'NO₂'],
    ['o3', 'O₃'],
  ]
  const series = pollutants.map(([field, label], i) =>
    panel({
      type: 'timeseries',
      title: `${label} by sensor (µg/m³), DAQI bands`,
      description: `Interval means per sensor. Shaded bands: DAQI Low / Moderate / High / Very High for the ${DAQI_AVERAGING[field].label}.`,
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      unit: 'conμgm3',
      thresholds: daqiThresholds(field),
      targets: [
        {
          refId: 'A',
          query: `SELECT mean("${field}") FROM "air" WHERE ${FILTER} AND $timeFilter GROUP BY time($__interval), "sensor" fill(null)`,
          alias: '$tag_sensor',
        },
      ],
    }),
  )
  const daqiNow = pollutants.map(([field, label], i) =>
    panel({
      type: 'bargauge',
      title: `${label} ${DAQI_AVERAGING[field].label} now, by sensor`,
      description: 'The mean over the DAQI averaging period ending now, coloured by DAQI band.',
      gridPos: { x: i * 6, y: 16, w: 6, h: 8 },
      unit: 'conμgm3',
      thresholds: daqiThresholds(field),
      targets: [
        {
          refId: 'A',
          query: `SELECT mean("${field}") FROM "air" WHERE ${FILTER} AND time > now() - ${DAQI_AVERAGING[field].hours}h GROUP BY "sensor"`,
          alias: '$tag_sensor',
        },
      ],
      options: { orientation: 'horizontal', displayMode: 'basic', reduceOptions: { calcs: ['lastNotNull'] } },
    }),
  )
  const byBorough = panel({
    type: 'timeseries',
    title: 'PM2.5 by borough (mean of its sensors)',
    gridPos: { x: 0, y: 24, w: 12, h: 8 },
    unit: 'conμgm3',
    thresholds: daqiThresholds('pm2_5'),
    targets: [
      {
        refId: 'A',
        query: `SELECT mean("pm2_5") FROM "air" WHERE "borough" =~ /^$borough$/ AND $timeFilter GROUP BY time($__interval), "borough" fill(null)`,
        alias: '$tag_borough',
      },
    ],
  })
  const weather = panel({
    type: 'timeseries',
    title: 'Temperature (°C) and relative humidity (%)',
    gridPos: { x: 12, y: 24, w: 12, h: 8 },
    targets: [
      {
        refId: 'A',
        query: `SELECT mean("temperature") AS "temperature", mean("relative_humidity") AS "humidity" FROM "air" WHERE ${FILTER} AND $timeFilter GROUP BY time($__interval), "sensor" fill(null)`,
        alias: '$tag_sensor $col',
      },
    ],
  })
  return dashboard({
    uid: 'streetsense-air',
    title: 'streetsense · Air quality',
    description: 'Air quality by borough and sensor with UK Daily Air Quality Index bands.',
    variables: [
      tagVariable({ name: 'borough', label: 'Borough', query: 'SHOW TAG VALUES FROM "air" WITH KEY = "borough"' }),
      tagVariable({
        name: 'sensor',
        label: 'Sensor',
        query: 'SHOW TAG VALUES FROM "air" WITH KEY = "sensor" WHERE "borough" =~ /^$borough$/',
      }),
    ],
    panels: [...series, ...daqiNow, byBorough, weather],
  })
}
