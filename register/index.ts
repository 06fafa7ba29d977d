/** The register stage: the public register pages, the open data API, exports and the admin API. */

export type { OpenDataRegistry, OpenDataStats } from './api-context.js'
export { loadRegisterConfig, type RegisterConfig, registerConfig } from './config.js'
export { RegisterSettingsSchema } from './config-schema.js'
export { DAQI_AVERAGING, DAQI_BREAKPOINTS, DAQI_COLOURS, type DaqiPollutant } from './daqi.js'
export { createInfluxReader, type InfluxReadConfig } from './influx-read.js'
export { fieldsOf } from './mappings.js'
export { boroughContains, pointInBorough } from './pages/london-map.js'
export { type OpenDataPluginOptions, openDataPlugin } from './plugin.js'
export { passedQc } from './quality/aggregates.js'
export { type CalibrateRequest, calibrate } from './quality/calibrate.js'
export { correctionLabel } from './quality/corrections.js'
export { type RegisterDeps, type RunningRegister, startRegister } from './service.js'
