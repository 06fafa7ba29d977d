/**
 * The settings of `streetsense ingest` as one JSON Schema: every setting's type, limits, default
 * and description; flags, STREETSENSE_* variables and docs/config.md come from it.
 */
import type { SettingsSchema } from '../core/index.js'

export const IngestSettingsSchema = {
  $id: 'streetsense:settings:ingest',
  type: 'object',
  additionalProperties: false,
  properties: {
    dataDir: {
      type: 'string',
      description: 'Directory for the spool, quarantine, stats and registry',
      default: '.data',
    },
    instance: {
      type: 'string',
      description: 'Name of this ingest instance (MQTT client ids are <instance>-<k>)',
      default: 'ingest',
      pattern: '^[A-Za-z0-9._-]{1,40}$',
    },
    mqttUrl: { type: 'string', description: 'Broker URL', default: 'mqtt://127.0.0.1:1883' },
    mqttUsername: { type: 'string', description: 'MQTT username of an ingest service account' },
    mqttPassword: { type: 'string', description: 'MQTT password of the ingest service account' },
    mqttConnections: {
      type: 'integer',
      description: 'Consumer connections; the boroughs are split between them',
      default: 4,
      minimum: 1,
      maximum: 33,
    },
    boroughs: {
      type: 'array',
      description: 'Borough codes this instance consumes (comma-separated; empty = all 33)',
      default: [],
      items: { type: 'string', pattern: '^E090000(0[1-9]|[12][0-9]|3[0-3])$' },
    },
    mqttInflight: {
      type: 'integer',
      description: 'Messages per connection received but not yet durable (PUBACK held back)',
      default: 256,
      minimum: 1,
      maximum: 65000,
    },
    commandPollMs: {
      type: 'integer',
      description:
        'How often the ingest looks for commands the register queued for devices (at once when the register runs in this process)',
      default: 1000,
      minimum: 50,
      maximum: 60000,
    },
    commandExpirySeconds: {
      type: 'integer',
      description: 'Expiry of the commands the ingest sends on its own (gap repair), unless the caller gives one',
      default: 3600,
      minimum: 1,
      maximum: 604800,
    },
    commandRetentionDays: {
      type: 'integer',
      description: 'Commands to devices (and their results) older than this are deleted from the commands table',
      default: 90,
      minimum: 1,
    },
    rolloutPollMs: {
      type: 'integer',
      description: 'How often the ingest moves rollouts on (targets a stage, reads answers, halts, advances)',
      default: 5000,
      minimum: 100,
      maximum: 600000,
    },
    releaseBaseUrl: {
      type: 'string',
      description:
        "Base URL at which nodes reach this ingest's HTTP port; update commands send them to <url>/v1/releases/... (default http://127.0.0.1:<port>, for a laptop only)",
      pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$',
    },
    httpHost: { type: 'string', description: 'HTTP listen address', default: '0.0.0.0' },
    httpPort: {
      type: 'integer',
      description: 'HTTP port (API, /metrics, /healthz)',
      default: 8080,
      minimum: 0,
      maximum: 65535,
    },
    influxUrl: {
      type: 'string',
      description: 'InfluxDB base URL',
      default: 'http://127.0.0.1:8086',
      pattern: '^https?://',
    },
    influxDb: { type: 'string', description: 'InfluxDB database (v1 API)', default: 'streetsense', minLength: 1 },
    influxRp: { type: 'string', description: 'InfluxDB retention policy (v1 API; default: the database default)' },
    influxOrg: { type: 'string', description: 'InfluxDB organisation; setting it selects the v2 API' },
    influxBucket: { type: 'string', description: 'InfluxDB bucket (v2 API)' },
    influxToken: { type: 'string', description: 'InfluxDB token (v2 API, or v1 with auth)' },
    batchSize: {
      type: 'integer',
      description: 'Points per InfluxDB write',
      default: 5000,
      minimum: 1,
      maximum: 100000,
    },
    flushIntervalMs: {
      type: 'integer',
      description: 'Longest wait before a partial batch is written',
      default: 100,
      minimum: 1,
      maximum: 60000,
    },
    writeConcurrency: {
      type: 'integer',
      description: 'Concurrent InfluxDB writes',
      default: 2,
      minimum: 1,
      maximum: 16,
    },
    checkThreads: {
      type: 'integer',
      description: 'Worker threads that parse and validate messages (0 = on the main thread)',
      default: 1,
      minimum: 0,
      maximum: 16,
    },
    spoolMaxLines: {
      type: 'integer',
      description: 'Spool bound in points; when full the ingest stops acknowledging',
      default: 2000000,
      minimum: 1,
    },
    spoolCommitMs: {
      type: 'integer',
      description: 'Shortest time between spool commits (fsyncs); appends in between share one',
      default: 20,
      minimum: 0,
      maximum: 1000,
    },
    quarantineMaxRows: { type: 'integer', description: 'Quarantine bound in rows', default: 100000, minimum: 1 },
    quarantineMaxAgeDays: {
      type: 'integer',
      description: 'Quarantine rows older than this are deleted',
      default: 30,
      minimum: 1,
    },
    healthIntervalMs: { type: 'integer', description: 'ingest_health point interval', default: 10000, minimum: 100 },
    tokenCacheMs: {
      type: 'integer',
      description: 'How long a verified device token is cached',
      default: 60000,
      minimum: 0,
    },
    maxPayloadBytes: { type: 'integer', description: 'Largest accepted message', default: 262144, minimum: 1024 },
    openData: {
      type: 'boolean',
      description: 'Serve the public register page, the open data API and the admin API on the HTTP port',
      default: true,
    },
    qcMaxSeries: {
      type: 'integer',
      description:
        'Series whose recent past the QC spike, flatline and clock rules keep in memory (least recently used beyond it are written out and dropped)',
      default: 20000,
      minimum: 1,
    },
    scIntervalSeconds: {
      type: 'integer',
      description: 'Interval of Sensor.Community readings whose body does not give one (airrohr: 145 s)',
      default: 145,
      minimum: 1,
    },
  },
} as const satisfies SettingsSchema
