/**
 * Settings of `streetsense broker` (and of `streetsense sensors`, which only needs the data dir).
 * Each has a flag and a STREETSENSE_* variable (core/settings.ts); docs/config.md is generated from here.
 */
import type { SettingsOf, SettingsSchema } from '../core/index.js'

const dataDir = {
  type: 'string',
  description: 'directory of registry.sqlite (shared with the ingest) and other broker state',
  default: '.data',
  minLength: 1,
} as const

export const RegistrySettingsSchema = {
  $id: 'streetsense:settings:registry',
  type: 'object',
  additionalProperties: false,
  properties: { dataDir },
} as const satisfies SettingsSchema

export type RegistrySettings = SettingsOf<typeof RegistrySettingsSchema>

const portRange = { type: 'integer', minimum: 0, maximum: 65535 } as const
/** A port setting; with a default it is always present, without one it is optional (listener off). */
function port(description: string): typeof portRange & { description: string }
function port<D extends number>(description: string, def: D): typeof portRange & { description: string; default: D }
function port(description: string, def?: number) {
  return { ...portRange, description, ...(def !== undefined ? { default: def } : {}) }
}

export const BrokerSettingsSchema = {
  $id: 'streetsense:settings:broker',
  type: 'object',
  additionalProperties: false,
  properties: {
    dataDir,
    host: { type: 'string', description: 'address the listeners bind to', default: '0.0.0.0' },
    port: port('MQTT over TCP port (0 = any free port)', 1883),
    tcp: {
      type: 'boolean',
      description: 'serve plain MQTT over TCP (turn off when only TLS is allowed)',
      default: true,
    },
    tlsPort: port('MQTT over TLS port (needs --tls-cert and --tls-key; 8883 by convention)'),
    tlsCert: { type: 'string', description: 'PEM certificate chain file of the TLS listener' },
    tlsKey: { type: 'string', description: 'PEM private key file of the TLS listener' },
    tlsCa: { type: 'string', description: 'PEM CA file that signs device client certificates' },
    tlsRequireClientCert: {
      type: 'boolean',
      description: 'refuse TLS clients without a certificate signed by --tls-ca (mutual TLS)',
      default: false,
    },
    wsPort: port('MQTT over WebSocket port (path /mqtt; 8083 by convention)'),
    metricsPort: port('Prometheus /metrics and /healthz port', 9101),
    metricsHost: { type: 'string', description: 'address the metrics listener binds to', default: '127.0.0.1' },
    redisUrl: {
      type: 'string',
      description: 'redis://host:port/db: share sessions and messages with other broker nodes',
    },
    redisPacketTtlSeconds: {
      type: 'integer',
      description: 'how long an offline QoS 1 message waits in Redis for its client',
      default: 7 * 24 * 3600,
      minimum: 60,
    },
    maxPacketBytes: {
      type: 'integer',
      description: 'largest MQTT packet accepted; a bigger one closes the connection before it is buffered',
      default: 65536,
      minimum: 256,
      maximum: 268435455,
    },
    maxConnections: { type: 'integer', description: 'most concurrent MQTT connections', default: 20000, minimum: 1 },
    connectionsPerMinutePerAddress: {
      type: 'integer',
      description: 'most new connections per minute from one IP address (0 = no limit)',
      default: 120,
      minimum: 0,
    },
    publishesPerSecondPerDevice: {
      type: 'number',
      description: 'sustained PUBLISH rate of one device; faster packets are delayed (0 = no limit)',
      default: 50,
      minimum: 0,
    },
    publishBurst: {
      type: 'integer',
      description: 'how many PUBLISH packets a device may send at once before the rate applies',
      default: 200,
      minimum: 1,
    },
    failedLoginThrottleCount: {
      type: 'integer',
      description:
        'failed logins for one username from one address (or for one username from anywhere) before its further attempts are refused; an address is refused for every username at 10 times this',
      default: 10,
      minimum: 1,
    },
    failedLoginThrottleSeconds: {
      type: 'integer',
      description: 'window of --failed-login-throttle-count, and how long the refusal lasts',
      default: 300,
      minimum: 1,
    },
    maxQueuedPerSubscriber: {
      type: 'integer',
      description: 'overload guard: when deliveries waiting in the broker exceed this, reading from publishers pauses',
      default: 10000,
      minimum: 100,
    },
    drainTimeoutMs: {
      type: 'integer',
      description: 'disconnect a subscriber whose socket does not drain within this time',
      default: 30000,
      minimum: 1000,
    },
    logLevel: {
      type: 'string',
      description: 'pino log level',
      default: 'info',
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    },
  },
} as const satisfies SettingsSchema

export type BrokerSettings = SettingsOf<typeof BrokerSettingsSchema>
