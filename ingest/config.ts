/**
 * Settings of `streetsense ingest`: the JSON Schema in config-schema.ts (flags, STREETSENSE_*
 * variables, defaults), parsed once at start. The InfluxDB API is chosen by the settings:
 * --influx-org selects the v2 API (/api/v2/write with org, bucket and token), otherwise the v1
 * API (/write?db=&rp=).
 */

import { loadSettings, type SettingsOf, StreetsenseError } from '../core/index.js'
import { IngestSettingsSchema } from './config-schema.js'

/** Derived from the settings schema: a setting with a default is always present. */
export type IngestConfig = SettingsOf<typeof IngestSettingsSchema>

/** Parses flags + environment; checks the cross-field rules the schema cannot say. */
export function loadIngestConfig(
  flags: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): IngestConfig {
  const config = loadSettings<IngestConfig>(IngestSettingsSchema, flags, env)
  checkIngestConfig(config)
  return config
}

export function checkIngestConfig(config: IngestConfig): void {
  if (config.influxOrg !== undefined) {
    if (!config.influxBucket) {
      throw new StreetsenseError(
        'IOT_CONFIG_INVALID',
        'invalid setting --influx-bucket / STREETSENSE_INFLUX_BUCKET: required with --influx-org',
        'influxBucket',
      )
    }
    if (!config.influxToken) {
      throw new StreetsenseError(
        'IOT_CONFIG_INVALID',
        'invalid setting --influx-token / STREETSENSE_INFLUX_TOKEN: required with --influx-org',
        'influxToken',
      )
    }
  }
}

/** Full config with defaults, for tests and `streetsense up` (overrides win). */
export function ingestConfig(overrides: Partial<IngestConfig>): IngestConfig {
  const defaults = loadSettings<IngestConfig>(IngestSettingsSchema, {}, {})
  const config = { ...defaults, ...overrides }
  checkIngestConfig(config)
  return config
}
