/** Traffic flows by vehicle class and hour, per borough and sensor. */
import { fieldsOf } from '../../register/index.js'
import { dashboard, panel, resetIds, tagVariable } from './panels.js'

const FILTER = `"borough" =~ /^$borough$/ AND "sensor" =~ /^$sensor$/`

export function trafficDashboard() {
  resetIds()
  const classes = fieldsOf('traffic').filter((m) => m.vehicleType)
  const sums = classes.map((m) => `sum("${m.field}") AS "${m.label}"`).join(', ')
  return dashboard({
    uid: 'streetsense-traffic',
    title: 'streetsense · Traffic',
    description: 'Counts per DfT vehicle class per hour, people walking, speeds, by borough and sensor.',
    variables: [
      tagVariable({ name: 'borough', label: 'Borough', query: 'SHOW TAG VALUES FROM "traffic" WITH KEY = "borough"' }),
      tagVariable({
        name: 'sensor',
        label: 'Sensor',
        query: 'SHOW TAG VALUES FROM "traffic" WITH KEY = "sensor" WHERE "borough" =~ /^$borough$/',
      }),
    ],
    panels: [
      panel({
        type: 'timeseries',
        title: 'Vehicles per hour by class (all lanes, selected sensors)',
        gridPos: { x: 0, y: 0, w: 16, h: 9 },
        stacked: true,
        bars: true,
        targets: [
          {
            refId: 'A',
            query: `SELECT ${sums} FROM "traffic" WHERE ${FILTER} AND $timeFilter GROUP BY time(1h) fill(0)`,
          },
        ],
      }),
      panel({
        type: 'bargauge',
        title: 'Share by class over the period',
        gridPos: { x: 16, y: 0, w: 8, h: 9 },
        targets: [{ refId: 'A', query: `SELECT ${sums} FROM "traffic" WHERE ${FILTER} AND $timeFilter` }],
        options: { orientation: 'horizontal', displayMode: 'basic', reduceOptions: { calcs: ['sum'] } },
      }),
      panel({
        type: 'timeseries',
        title: 'Vehicles per hour by sensor',
        gridPos: { x: 0, y: 9, w: 12, h: 8 },
        targets: [
          {
            refId: 'A',
            query: `SELECT sum("total_vehicles") FROM "traffic" WHERE ${FILTER} AND $timeFilter GROUP BY time(1h), "sensor" fill(0)`,
            alias: '$tag_sensor',
          },
        ],
      }),
      panel({
        type: 'timeseries',
        title: 'People walking per hour by sensor',
        gridPos: { x: 12, y: 9, w: 12, h: 8 },
        targets: [
          {
            refId: 'A',
            query: `SELECT sum("pedestrian") FROM "traffic" WHERE ${FILTER} AND $timeFilter GROUP BY time(1h), "sensor" fill(0)`,
            alias: '$tag_sensor',
          },
        ],
      }),
      panel({
        type: 'timeseries',
        title: 'Mean speed by sensor and direction (km/h)',
        gridPos: { x: 0, y: 17, w: 12, h: 8 },
        unit: 'velocitykmh',
        targets: [
          {
            refId: 'A',
            query: `SELECT mean("mean_speed") FROM "traffic" WHERE ${FILTER} AND $timeFilter GROUP BY time($__interval), "sensor", "direction" fill(null)`,
            alias: '$tag_sensor $tag_direction',
          },
        ],
      }),
      panel({
        type: 'timeseries',
        title: 'Occupancy by sensor and lane (0–1)',
        gridPos: { x: 12, y: 17, w: 12, h: 8 },
        unit: 'percentunit',
        targets: [
          {
            refId: 'A',
            query: `SELECT mean("occupancy") FROM "traffic" WHERE ${FILTER} AND $timeFilter GROUP BY time($__interval), "sensor", "lane" fill(null)`,
            alias: '$tag_sensor lane $tag_lane',
          },
        ],
      }),
    ],
  })
}
