/**
 * The register and open data API served on the ingest's HTTP port: built from the ingest's
 * registry and per-sensor counters, reading the same InfluxDB. The CLI wires the two stages so
 * that neither imports the other's internals (the ingest comes first in the flow). Commands the
 * admin API queues wake the ingest's command sender at once (a register in its own process
 * leaves them to the sender's poll of the commands table).
 */
import { join } from 'node:path'
import type { IngestConfig, IngestDeps } from '../../ingest/index.js'
import { type LiveOptions, OPENAPI_TAGS, openDataPlugin } from '../../register/index.js'

/** `live`: the live feed's source (the broker, with a reader account), when there is one. */
export function mountRegister(config: IngestConfig, live?: LiveOptions): NonNullable<IngestDeps['mount']> {
  const v2 = config.influxOrg !== undefined
  return ({ registry, stats, logger, commands }) => ({
    plugin: openDataPlugin,
    openapiTags: OPENAPI_TAGS,
    options: {
      registry,
      influx: {
        url: config.influxUrl,
        db: v2 ? (config.influxBucket ?? config.influxDb) : config.influxDb,
        ...(config.influxToken ? { token: config.influxToken } : {}),
      },
      stats,
      log: logger,
      ...(commands ? { onCommandQueued: () => commands.wake() } : {}),
      archivesDir: join(config.dataDir, 'archives'),
      ...(live ? { live } : {}),
    },
  })
}
