import type { SettingsOf, SettingsSchema } from '../../core/index.js'

/** Settings of `streetsense up` (npm start): the whole platform on one machine. */
export const UpSettingsSchema = {
  $id: 'streetsense:settings:up',
  type: 'object',
  additionalProperties: false,
  properties: {
    dataDir: {
      type: 'string',
      description:
        'where the platform keeps its data between runs; the same default as `streetsense sensors`, so both use one registry',
      default: '.data',
    },
    sensors: {
      type: 'integer',
      description: 'number of simulated street sensors',
      default: 30,
      minimum: 0,
      maximum: 1000,
    },
    sensorInterval: {
      type: 'integer',
      description: 'seconds between readings of each simulated sensor',
      default: 10,
      minimum: 1,
      maximum: 3600,
    },
    host: { type: 'string', description: 'address the broker and HTTP server bind to', default: '127.0.0.1' },
    httpPort: {
      type: 'integer',
      description: 'public HTTP port of the register: pages, open data API, admin API',
      default: 8080,
      minimum: 0,
      maximum: 65535,
    },
    intakePort: {
      type: 'integer',
      description: "the ingest's device intake HTTP port (POST /v1/readings)",
      default: 8081,
      minimum: 0,
      maximum: 65535,
    },
    ingestOpsPort: {
      type: 'integer',
      description: "the ingest's operator port on 127.0.0.1: /metrics, /healthz, /readyz",
      default: 9102,
      minimum: 0,
      maximum: 65535,
    },
    mqttPort: { type: 'integer', description: 'MQTT port', default: 1883, minimum: 0, maximum: 65535 },
    brokerMetricsPort: {
      type: 'integer',
      description: 'broker /metrics and /healthz port',
      default: 9101,
      minimum: 0,
      maximum: 65535,
    },
    influxPort: {
      type: 'integer',
      description: 'port of the local InfluxDB that up starts',
      default: 8086,
      minimum: 1,
      maximum: 65533,
    },
    influxUrl: {
      type: 'string',
      description: 'use this InfluxDB instead of starting one (v1 API, or v2 with --influx-org/--influx-token)',
      pattern: '^https?://',
    },
    influxDb: { type: 'string', description: 'InfluxDB database (v1) / bucket (v2)', default: 'streetsense' },
    influxOrg: { type: 'string', description: 'InfluxDB 2.x organisation of an existing InfluxDB' },
    influxToken: { type: 'string', description: 'InfluxDB 2.x token of an existing InfluxDB', secret: true },
  },
} as const satisfies SettingsSchema

export type UpSettings = SettingsOf<typeof UpSettingsSchema>
