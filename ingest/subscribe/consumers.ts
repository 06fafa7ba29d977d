/**
 * The MQTT side: N consumer connections (MQTT 3.1.1, clean=false, QoS 1, stable client ids
 * `<username>/<instance>-<k>`, a name no device can take: registry/client-ids.ts), each
 * subscribed to its share of the boroughs (never `$share`: Aedes 1.x grants it and then delivers
 * nothing). Every message goes through the pipeline; its PUBACK leaves only after the pipeline
 * made it durable or quarantined it (handle-message.ts, ordered-acks.ts). A reconnect that finds
 * no session on the broker (a broker restart without persistence, a takeover) is a lost session:
 * it is logged and counted, the connection subscribes again, and listeners (gap repair) are told
 * which boroughs may have lost messages.
 */
import type { MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { serviceClientId } from '../../registry/index.js'
import { BOROUGHS, buildTopic, readingFilters } from '../../schemas/index.js'
import type { Pipeline } from '../accept/pipeline.js'
import type { IngestMetrics } from '../metrics.js'
import { connectPersistent } from '../mqtt-session.js'
import type { Spool } from '../spool/spool.js'
import type { Connection, ConsumerGroup, ConsumerOptions, SessionLostListener } from './consumer-group.js'
import { handleMessage } from './handle-message.js'
import { orderedAcks } from './ordered-acks.js'

export interface ConnectionState {
  clientId: string
  filters: string[]
  connected: boolean
  subscribed: boolean
}

export interface Consumers {
  clients: MqttClient[]
  /** Per connection: client id, filters, connected, and whether the broker granted its filters. */
  describe(): ConnectionState[]
  /** True while messages wait because the spool is full. */
  backpressured(): boolean
  /** Calls `listener` whenever a connection finds its session gone on a reconnect. */
  onSessionLost(listener: SessionLostListener): void
  close(): Promise<void>
}

/** Splits the boroughs over the connections, round robin; one connection with no list takes all (`+`). */
export function partitionBoroughs(boroughs: readonly string[], connections: number): string[][] {
  if (boroughs.length === 0 && connections === 1) return [[]]
  const list = boroughs.length > 0 ? [...boroughs] : Object.keys(BOROUGHS)
  const n = Math.min(connections, list.length)
  const parts: string[][] = Array.from({ length: n }, () => [])
  for (const [i, b] of list.entries()) parts[i % n]!.push(b)
  return parts
}

/**
 * `<username>/<instance>-<part>` (part: the consumer's number, or `cmd` for the command link);
 * without a username (a broker without accounts) `<instance>-<part>`.
 */
export function consumerClientId(
  options: Pick<ConsumerOptions, 'mqttUsername' | 'instance'>,
  part: number | 'cmd',
): string {
  const suffix = `${options.instance}-${part}`
  return options.mqttUsername ? serviceClientId(options.mqttUsername, suffix) : suffix
}

export function startConsumers(
  options: ConsumerOptions,
  deps: { pipeline: Pipeline; spool: Spool; metrics: IngestMetrics; logger: Logger },
): Consumers {
  const group: ConsumerGroup = {
    options,
    ...deps,
    waitingForSpool: 0,
    closing: false,
    connections: [],
    sessionLost: [],
  }
  const parts = partitionBoroughs(options.boroughs, options.mqttConnections)
  group.connections = parts.map((boroughs, k) => connect(group, consumerClientId(options, k), boroughs))
  // Device errors go out on the first connection (QoS 1; mqtt.js queues them while offline).
  deps.pipeline.setErrorPublisher((expected, error) => {
    const topic = buildTopic(expected.borough, expected.sensor, 'errors')
    group.connections[0]?.client.publish(topic, JSON.stringify(error), { qos: 1 })
  })
  const { connections } = group
  return {
    clients: connections.map((c) => c.client),
    describe: () =>
      connections.map((c) => ({
        clientId: c.clientId,
        filters: c.filters,
        connected: c.client.connected,
        subscribed: c.client.connected && c.subscribed,
      })),
    backpressured: () => group.waitingForSpool > 0,
    onSessionLost: (listener) => group.sessionLost.push(listener),
    async close() {
      group.closing = true
      // Let the commit in progress finish so its PUBACKs go out, then leave (the session stays).
      await new Promise((r) => setImmediate(r))
      await Promise.all(connections.map((c) => c.client.endAsync().catch(() => undefined)))
    },
  }
}

/** One connection: persistent session, subscribed to its boroughs' filters on every connect. */
function connect(group: ConsumerGroup, clientId: string, boroughs: string[]): Connection {
  const { options, metrics } = group
  const client = connectPersistent(options, clientId)
  const log = group.logger.child({ clientId })
  const filters = readingFilters(boroughs)
  const conn: Connection = {
    client,
    clientId,
    filters,
    acks: orderedAcks(client, options.mqttInflight),
    subscribed: false,
    log,
    fail(err) {
      log.error({ err }, 'could not store a message; reconnecting for redelivery')
      client.stream?.destroy()
    },
  }
  let connects = 0
  client.on('connect', (connack) => {
    metrics.mqttConnected.inc()
    log.info({ sessionPresent: connack.sessionPresent, filters }, 'consumer connected')
    subscribe(conn)
    if (connects++ > 0 && !connack.sessionPresent) sessionLost(group, clientId, boroughs, log)
  })
  client.on('close', () => {
    conn.subscribed = false
    metrics.mqttConnected.set(group.connections.filter((c) => c.client.connected).length)
  })
  client.on('error', (err) => log.warn({ err: err.message }, 'MQTT error'))
  client.handleMessage = (packet, callback) => handleMessage(group, conn, packet, callback)
  return conn
}

/**
 * Subscribes on every connect: that restores the subscriptions of a session the broker lost. The
 * connection counts as subscribed (readiness) once the broker granted every filter.
 */
function subscribe(conn: Connection): void {
  conn.subscribed = false
  conn.client.subscribe(conn.filters, { qos: 1 }, (err, granted) => {
    if (err) return conn.log.error({ err }, 'subscribe failed')
    const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic)
    if (refused.length > 0) return conn.log.error({ refused }, 'the broker refused these filters: check the account')
    conn.subscribed = conn.client.connected
  })
}

/** A reconnect without a session: whatever the broker held for us (queued QoS 1 messages) is gone. */
function sessionLost(group: ConsumerGroup, clientId: string, boroughs: string[], log: ConsumerGroup['logger']): void {
  group.metrics.sessionsLost.inc()
  log.warn({ boroughs }, 'MQTT session lost on the broker: subscribed again; messages queued for it are gone')
  for (const listener of group.sessionLost) {
    try {
      listener({ clientId, boroughs })
    } catch (err) {
      log.error({ err }, 'session-lost listener failed')
    }
  }
}
