/**
 * The live feed's source: the register subscribes to the broker's data channels (air, traffic)
 * with a `reader` account, the account the broker's ACL lets read readings and nothing else
 * (docs/broker.md). QoS 0 and a clean session: the feed is for now; what a connection gap
 * misses is in bulk history once stored. mqtt.js reconnects by itself.
 */
import { randomBytes } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { readingFilters } from '../../schemas/index.js'

export interface LiveSource {
  start(onMessage: (topic: string, payload: Buffer) => void): Promise<void>
  stop(): Promise<void>
}

export interface MqttLiveSourceOptions {
  url: string
  username: string
  password: string
  log: Logger
  /** Time to wait for the first CONNACK before start() fails. */
  connectTimeoutMs?: number
}

export function mqttLiveSource(opts: MqttLiveSourceOptions): LiveSource {
  let client: MqttClient | undefined
  return {
    async start(onMessage) {
      // Service accounts connect as <username>/<suffix> (a client id starting with the username).
      const clientId = `${opts.username}/live-${randomBytes(4).toString('hex')}`
      const c = mqtt.connect(opts.url, {
        clientId,
        username: opts.username,
        password: opts.password,
        clean: true,
        protocolVersion: 4,
        reconnectPeriod: 2000,
        connectTimeout: opts.connectTimeoutMs ?? 10_000,
      })
      client = c
      c.on('message', (topic, payload) => onMessage(topic, payload))
      c.on('error', (err) => opts.log.warn({ err: err.message }, 'live feed: MQTT error'))
      c.on('connect', () => {
        c.subscribe(readingFilters([], ['air', 'traffic']), { qos: 0 }, (err, granted) => {
          const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? []
          if (err || refused.length > 0) opts.log.error({ err: err?.message, refused }, 'live feed: subscribe refused')
          else opts.log.info({ clientId }, 'live feed subscribed to the broker')
        })
      })
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve())
        c.once('error', reject)
      })
    },
    async stop() {
      await client?.endAsync(true)
    },
  }
}
