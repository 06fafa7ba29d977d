/** Builders for Grafana panel JSON (schemaVersion 39), InfluxQL raw queries only. */
import { DAQI_BREAKPOINTS, DAQI_COLOURS, type DaqiPollutant } from '../../register/index.js'

export const DATASOURCE = { type: 'influxdb', uid: 'streetsense-influxql' }

export interface GridPos {
  x: number
  y: number
  w: number
  h: number
}

export interface Target {
  refId: string
  query: string
  resultFormat?: 'time_series' | 'table'
  alias?: string
}

/** DAQI band boundaries as Grafana thresholds: Low (index 1), Moderate (4), High (7), Very High (10). */
export function daqiThresholds(pollutant: DaqiPollutant) {
  const b = DAQI_BREAKPOINTS[pollutant]
  return {
    mode: 'absolute',
    steps: [
      { color: DAQI_COLOURS[1]!.fill, value: null },
      { color: DAQI_COLOURS[4]!.fill, value: b[3] },
      { color: DAQI_COLOURS[7]!.fill, value: b[6] },
      { color: DAQI_COLOURS[9]!.fill, value: b[9] },
    ],
  }
}

let nextId = 1
export function resetIds(): void {
  nextId = 1
}

function target(t: Target) {
  return {
    datasource: DATASOURCE,
    refId: t.refId,
    rawQuery: true,
    query: t.query,
    resultFormat: t.resultFormat ?? 'time_series',
    ...(t.alias ? { alias: t.alias } : {}),
  }
}

export function panel(opts: {
  type: 'timeseries' | 'bargauge' | 'table' | 'stat' | 'barchart'
  title: string
  description?: string
  gridPos: GridPos
  targets: Target[]
  unit?: string
  thresholds?: ReturnType<typeof daqiThresholds>
  stacked?: boolean
  bars?: boolean
  options?: Record<string, unknown>
}) {
  const custom: Record<string, unknown> = {}
  if (opts.type === 'timeseries') {
    custom.drawStyle = opts.bars ? 'bars' : 'line'
    custom.fillOpacity = opts.bars ? 80 : 0
    custom.spanNulls = false
    if (opts.stacked) custom.stacking = { mode: 'normal', group: 'A' }
    if (opts.thresholds) custom.thresholdsStyle = { mode: 'line+area' }
  }
  return {
    id: nextId++,
    type: opts.type,
    title: opts.title,
    ...(opts.description ? { description: opts.description } : {}),
    datasource: DATASOURCE,
    gridPos: opts.gridPos,
    targets: opts.targets.map(target),
    fieldConfig: {
      defaults: {
        ...(opts.unit ? { unit: opts.unit } : {}),
        ...(opts.thresholds ? { thresholds: opts.thresholds, color: { mode: 'thresholds' } } : {}),
        custom,
      },
      overrides: [],
    },
    options: opts.options ?? {},
  }
}

/** A time series of one InfluxQL query (refId A). */
export function timeseries(
  opts: Omit<Parameters<typeof panel>[0], 'type' | 'targets'> & { query: string; alias?: string },
) {
  const { query, alias, ...rest } = opts
  return panel({ ...rest, type: 'timeseries', targets: [{ refId: 'A', query, alias }] })
}

export function tagVariable(opts: { name: string; label: string; query: string }) {
  return {
    name: opts.name,
    label: opts.label,
    type: 'query',
    datasource: DATASOURCE,
    query: opts.query,
    definition: opts.query,
    refresh: 2,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
  }
}

/** The WHERE clause of a panel that follows the dashboard's borough and sensor variables. */
export const SENSOR_FILTER = `"borough" =~ /^$borough$/ AND "sensor" =~ /^$sensor$/`

/** The borough and sensor variables of a measurement (the sensors listed are the chosen boroughs'). */
export function boroughAndSensorVariables(measurement: string) {
  return [
    tagVariable({
      name: 'borough',
      label: 'Borough',
      query: `SHOW TAG VALUES FROM "${measurement}" WITH KEY = "borough"`,
    }),
    tagVariable({
      name: 'sensor',
      label: 'Sensor',
      query: `SHOW TAG VALUES FROM "${measurement}" WITH KEY = "sensor" WHERE "borough" =~ /^$borough$/`,
    }),
  ]
}

export function dashboard(opts: {
  uid: string
  title: string
  description: string
  variables: ReturnType<typeof tagVariable>[]
  panels: ReturnType<typeof panel>[]
  from?: string
}) {
  return {
    uid: opts.uid,
    title: opts.title,
    description: opts.description,
    tags: ['streetsense'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '1m',
    time: { from: opts.from ?? 'now-24h', to: 'now' },
    templating: { list: opts.variables },
    annotations: { list: [] },
    links: [],
    panels: opts.panels,
  }
}
