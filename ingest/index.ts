/** The ingest stage: what the CLI and embedders may import. */
export { type IngestConfig, ingestConfig, loadIngestConfig } from './config.js'
export { IngestSettingsSchema } from './config-schema.js'
export { enforceRetention, type RetentionDeps } from './governance/retention-job.js'
export { openQuarantine, type Quarantine, type QuarantineRecord } from './quarantine/quarantine.js'
export { type IngestDeps, type MountParts, type RunningIngest, startIngest } from './service.js'
export type { SensorStats } from './stats/sensor-stats.js'
