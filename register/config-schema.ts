/**
 * The settings of `streetsense register` as one JSON Schema: flags, STREETSENSE_* variables and
 * docs/config.md come from it.
 */
import type { SettingsSchema } from '../core/index.js'
import { IngestSettingsSchema } from '../ingest/index.js'

const INFLUX = IngestSettingsSchema.properties

export const RegisterSettingsSchema = {
  $id: 'streetsense:settings:register',
  type: 'object',
  additionalProperties: false,
  properties: {
    dataDir: {
      type: 'string',
      description: "data directory shared with the ingest: the registry and the ingest's per-sensor counters",
      default: '.data',
    },
    httpHost: { type: 'string', description: 'public HTTP listen address', default: '0.0.0.0' },
    httpPort: {
      type: 'integer',
      description: 'public HTTP port: register pages, open data API, exports, admin API',
      default: 8080,
      minimum: 0,
      maximum: 65535,
    },
    publicBaseUrl: {
      type: 'string',
      description:
        'absolute base URL of the public site, used in links (else links follow the Host header, with Vary: Host)',
      pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$',
    },
    trustProxy: {
      type: 'boolean',
      description:
        'behind a reverse proxy: take the client address from X-Forwarded-For (the rate limit is per client)',
      default: false,
    },
    rateLimitPerMinute: {
      type: 'integer',
      description: 'requests per client address per minute on the public and admin routes',
      default: 600,
      minimum: 1,
    },
    liveRefreshSeconds: {
      type: 'integer',
      description: "how often a sensor's page refreshes its latest values",
      default: 30,
      minimum: 5,
      maximum: 3600,
    },
    // The same InfluxDB settings as the ingest's, so one set of variables serves both services.
    influxUrl: INFLUX.influxUrl,
    influxDb: INFLUX.influxDb,
    influxOrg: INFLUX.influxOrg,
    influxBucket: INFLUX.influxBucket,
    influxToken: INFLUX.influxToken,
  },
} as const satisfies SettingsSchema
