/**
 * The ingest's MQTT connection for commands, beside the consumers: client id `<instance>-cmd`,
 * the ingest's service account, a persistent session (clean=false) subscribed at QoS 1 to the
 * `result` channel of its boroughs, so answers that arrive while the ingest is down wait for it.
 * Commands go out on it at QoS 1. Results never pass the consumers, so they can never reach
 * the reading pipeline, InfluxDB or the quarantine.
 */
import type { MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { readingFilters } from '../../schemas/index.js'
import type { IngestConfig } from '../config.js'
import { connectPersistent } from '../mqtt-session.js'
import { consumerClientId } from '../subscribe/consumers.js'

export type LinkOptions = Pick<IngestConfig, 'mqttUrl' | 'mqttUsername' | 'mqttPassword' | 'boroughs' | 'instance'>

export interface CommandLink {
  readonly connected: boolean
  /** Publishes at QoS 1; resolves on PUBACK. */
  publish(topic: string, payload: string): Promise<void>
  close(): Promise<void>
}

export interface LinkEvents {
  /** After every CONNACK (and the result subscription was asked for). */
  connected(): void
  result(topic: string, payload: Buffer): void
}

export function openCommandLink(options: LinkOptions, events: LinkEvents, logger: Logger): CommandLink {
  const clientId = consumerClientId(options, 'cmd')
  const log = logger.child({ clientId })
  const client: MqttClient = connectPersistent(options, clientId)
  const filters = readingFilters(options.boroughs, ['result'])
  client.on('connect', (connack) => {
    log.info({ sessionPresent: connack.sessionPresent, filters }, 'command link connected')
    client.subscribe(filters, { qos: 1 }, (err) => {
      if (err) log.error({ err }, 'subscribe to command results failed')
    })
    events.connected()
  })
  client.on('message', (topic, payload) => events.result(topic, payload))
  client.on('error', (err) => log.warn({ err: err.message }, 'command link MQTT error'))
  return {
    get connected() {
      return client.connected
    },
    publish: (topic, payload) =>
      new Promise((resolve, reject) =>
        client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
      ),
    close: () => client.endAsync().catch(() => undefined),
  }
}
