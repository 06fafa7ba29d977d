/**
 * The settings of `streetsense register` as one JSON Schema: flags, STREETSENSE_* variables and
 * docs/config.md come from it.
 */
import type { SettingsSchema } from '../core/index.js'
import { IngestSettingsSchema } from '../ingest/index.js'

const INFLUX = IngestSettingsSchema.properties

/** The same InfluxDB settings as the ingest's, so one set of variables serves every reader of the data. */
export const INFLUX_READ_SETTINGS = {
  influxUrl: INFLUX.influxUrl,
  influxDb: INFLUX.influxDb,
  influxOrg: INFLUX.influxOrg,
  influxBucket: INFLUX.influxBucket,
  influxToken: INFLUX.influxToken,
} as const

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
      description: "how often a sensor's page refreshes its latest values when it cannot use the live feed",
      default: 30,
      minimum: 5,
      maximum: 3600,
    },
    archiveDir: {
      type: 'string',
      description:
        'directory of the monthly archives (`streetsense archive build`), served under /archives/; default <data-dir>/archives',
    },
    cataloguePublisher: {
      type: 'string',
      description: "the catalogue's publisher (DCAT-AP dct:publisher)",
      default: 'London street sensor register',
    },
    // The live feed (GET /v1/live) subscribes to the broker with a reader account; without a URL it is off (404).
    liveMqttUrl: { type: 'string', description: 'broker URL the live feed subscribes to; unset: no live feed' },
    liveMqttUsername: {
      type: 'string',
      description: 'MQTT username of the reader account the live feed subscribes with',
      default: 'live-reader',
    },
    liveMqttPassword: { type: 'string', description: "password of the live feed's reader account", secret: true },
    liveMaxClients: {
      type: 'integer',
      description: 'live feed clients held at once (more: 503 with Retry-After)',
      default: 1000,
      minimum: 1,
      maximum: 100000,
    },
    liveMaxClientsPerAddress: {
      type: 'integer',
      description: 'live feed clients held at once from one client address',
      default: 20,
      minimum: 1,
      maximum: 100000,
    },
    ...INFLUX_READ_SETTINGS,
  },
} as const satisfies SettingsSchema
