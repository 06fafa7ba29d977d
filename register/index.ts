/** The register stage: the public register pages, the open data API, exports and the admin API. */

export type { OpenDataRegistry, OpenDataStats } from './api-context.js'
export { DAQI_AVERAGING, DAQI_BREAKPOINTS, DAQI_COLOURS, type DaqiPollutant } from './daqi.js'
export { createInfluxReader, type InfluxReadConfig } from './influx-read.js'
export type { LiveOptions } from './live/feed.js'
export { type LiveSource, mqttLiveSource } from './live/mqtt-source.js'
export { fieldsOf } from './mappings.js'
export { type OpenDataPluginOptions, openDataPlugin } from './plugin.js'
export { passedQc } from './quality/aggregates.js'
export { type CalibrateRequest, calibrate } from './quality/calibrate.js'
export { correctionLabel } from './quality/corrections.js'
