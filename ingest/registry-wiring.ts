/**
 * The ingest's links to the rest of the platform, loaded only when used: the broker's sensor
 * registry (when no directory is injected) and the register + open data API plugin.
 */
import type { Logger } from 'pino'
import type { IngestConfig } from './config.js'
import type { RegistryLike } from './directory/sensor-directory.js'
import type { PluginEntry } from './http/app.js'
import type { SensorStats } from './stats/sensor-stats.js'

export async function openOwnRegistry(config: IngestConfig): Promise<RegistryLike & { close(): void }> {
  // Loaded only when no directory is injected, so ingest tests do not depend on the broker's code.
  const mod = (await import('../broker/registry/registry.js')) as {
    openRegistry(dataDir: string): RegistryLike & { close(): void }
  }
  return mod.openRegistry(config.dataDir)
}

/** The register and open data API (ingest/register/plugin.ts), reading the same InfluxDB and stats. */
export async function openDataPlugin(
  config: IngestConfig,
  registry: RegistryLike,
  stats: SensorStats,
  logger: Logger,
): Promise<PluginEntry> {
  const { openDataPlugin: plugin } = await import('./register/plugin.js')
  const v2 = config.influxOrg !== undefined
  return {
    plugin,
    options: {
      registry,
      influx: {
        url: config.influxUrl,
        db: v2 ? (config.influxBucket ?? config.influxDb) : config.influxDb,
        ...(config.influxToken ? { token: config.influxToken } : {}),
      },
      stats,
      log: logger,
    },
  }
}
