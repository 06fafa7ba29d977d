/**
 * Traffic flows by vehicle class and hour, per borough and sensor, from the counts that passed
 * QC (the register's passedQc condition).
 */
import { fieldsOf, passedQc } from '../../register/index.js'
import {
  boroughAndSensorVariables,
  dashboard,
  type GridPos,
  panel,
  resetIds,
  SENSOR_FILTER,
  timeseries,
} from './panels.js'

const vehicleClasses = () => fieldsOf('traffic').filter((m) => m.vehicleType)

/** `sum(...) AS "<label>"` for every vehicle class. */
function classSums(): string {
  return vehicleClasses()
    .map((m) => `sum("${m.field}") AS "${m.label}"`)
    .join(', ')
}

/** Readings whose vehicle counts all passed QC. */
const CLASSES_PASSED = () => passedQc(...vehicleClasses().map((m) => m.field))

function vehiclesByClass(sums: string) {
  return timeseries({
    title: 'Vehicles per hour by class (all lanes, selected sensors)',
    gridPos: { x: 0, y: 0, w: 16, h: 9 },
    stacked: true,
    bars: true,
    query: `SELECT ${sums} FROM "traffic" WHERE ${SENSOR_FILTER} AND ${CLASSES_PASSED()} AND $timeFilter GROUP BY time(1h) fill(0)`,
  })
}

function shareByClass(sums: string) {
  return panel({
    type: 'bargauge',
    title: 'Share by class over the period',
    gridPos: { x: 16, y: 0, w: 8, h: 9 },
    targets: [
      {
        refId: 'A',
        query: `SELECT ${sums} FROM "traffic" WHERE ${SENSOR_FILTER} AND ${CLASSES_PASSED()} AND $timeFilter`,
      },
    ],
    options: { orientation: 'horizontal', displayMode: 'basic', reduceOptions: { calcs: ['sum'] } },
  })
}

/** A time series of one traffic field for the selected sensors, one line per GROUP BY series. */
function trafficSeries(opts: {
  title: string
  gridPos: GridPos
  field: string
  aggregate: 'sum' | 'mean'
  groupBy: string
  alias: string
  unit?: string
}) {
  const { field, aggregate, groupBy, ...rest } = opts
  return timeseries({
    ...rest,
    query: `SELECT ${aggregate}("${field}") FROM "traffic" WHERE ${SENSOR_FILTER} AND ${passedQc(field)} AND $timeFilter GROUP BY ${groupBy}`,
  })
}

const HOURLY_BY_SENSOR = 'time(1h), "sensor" fill(0)'

export function trafficDashboard() {
  resetIds()
  const sums = classSums()
  return dashboard({
    uid: 'streetsense-traffic',
    title: 'streetsense · Traffic',
    description: 'Counts per DfT vehicle class per hour, people walking, speeds, by borough and sensor.',
    variables: boroughAndSensorVariables('traffic'),
    // Panel ids follow this order.
    panels: [
      vehiclesByClass(sums),
      shareByClass(sums),
      trafficSeries({
        title: 'Vehicles per hour by sensor',
        gridPos: { x: 0, y: 9, w: 12, h: 8 },
        field: 'total_vehicles',
        aggregate: 'sum',
        groupBy: HOURLY_BY_SENSOR,
        alias: '$tag_sensor',
      }),
      trafficSeries({
        title: 'People walking per hour by sensor',
        gridPos: { x: 12, y: 9, w: 12, h: 8 },
        field: 'pedestrian',
        aggregate: 'sum',
        groupBy: HOURLY_BY_SENSOR,
        alias: '$tag_sensor',
      }),
      trafficSeries({
        title: 'Mean speed by sensor and direction (km/h)',
        gridPos: { x: 0, y: 17, w: 12, h: 8 },
        unit: 'velocitykmh',
        field: 'mean_speed',
        aggregate: 'mean',
        groupBy: 'time($__interval), "sensor", "direction" fill(null)',
        alias: '$tag_sensor $tag_direction',
      }),
      trafficSeries({
        title: 'Occupancy by sensor and lane (0–1)',
        gridPos: { x: 12, y: 17, w: 12, h: 8 },
        unit: 'percentunit',
        field: 'occupancy',
        aggregate: 'mean',
        groupBy: 'time($__interval), "sensor", "lane" fill(null)',
        alias: '$tag_sensor lane $tag_lane',
      }),
    ],
  })
}
