/** Settings of `streetsense register` (config-schema.ts), parsed once at start. */
import { loadSettings, type SettingsOf } from '../core/index.js'
import { RegisterSettingsSchema } from './config-schema.js'
import type { InfluxReadConfig } from './influx-read.js'

/** Derived from the settings schema: a setting with a default is always present. */
export type RegisterConfig = SettingsOf<typeof RegisterSettingsSchema>

export function loadRegisterConfig(
  flags: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): RegisterConfig {
  return loadSettings<RegisterConfig>(RegisterSettingsSchema, flags, env)
}

/** Full config with defaults, for tests and `streetsense up` (overrides win). */
export function registerConfig(overrides: Partial<RegisterConfig>): RegisterConfig {
  return { ...loadSettings<RegisterConfig>(RegisterSettingsSchema, {}, {}), ...overrides }
}

/** Where the register reads readings: InfluxQL on the v1 API (on 2.x through the bucket's DBRP). */
export function influxReadConfig(
  config: Pick<RegisterConfig, 'influxUrl' | 'influxDb' | 'influxOrg' | 'influxBucket' | 'influxToken'>,
): InfluxReadConfig {
  const v2 = config.influxOrg !== undefined
  return {
    url: config.influxUrl,
    db: v2 ? (config.influxBucket ?? config.influxDb) : config.influxDb,
    ...(config.influxToken ? { token: config.influxToken } : {}),
  }
}
