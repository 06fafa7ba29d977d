/** The ingest stage: what the CLI and embedders may import. */
export { type IngestConfig, ingestConfig, loadIngestConfig } from './config.js'
export { IngestSettingsSchema } from './config-schema.js'
export { FLAG_CATALOGUE, type FlagSpec, QC_THRESHOLDS, QC_VERSION, type Severity } from './qc/catalogue.js'
export { flagTableMarkdown } from './qc/flag-table.js'
export { ALL_VALUES } from './qc/reading-rules.js'
export { openQuarantine, type Quarantine, type QuarantineRecord } from './quarantine/quarantine.js'
export { type IngestDeps, type RunningIngest, startIngest } from './service.js'
export { openSensorStats, type SensorCounters, type SensorStats, type SensorStatsView } from './stats/sensor-stats.js'
