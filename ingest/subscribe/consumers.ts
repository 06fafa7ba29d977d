/**
 * The MQTT side: N consumer connections (MQTT 3.1.1, clean=false, QoS 1, stable client ids
 * `<instance>-<k>`), each subscribed to its share of the boroughs (never `$share`: Aedes 1.x
 * grants it and then delivers nothing). Every message goes through the pipeline; its PUBACK
 * leaves only after the pipeline made it durable or quarantined it (see ordered-acks.ts).
 */
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { BOROUGHS, buildTopic, parseTopic, readingFilters, type UpChannel } from '../../schemas/index.js'
import type { Pipeline } from '../accept/pipeline.js'
import type { IngestMetrics } from '../metrics.js'
import type { Spool } from '../spool/spool.js'
import { orderedAcks } from './ordered-acks.js'

export interface ConsumerOptions {
  mqttUrl: string
  mqttUsername?: string
  mqttPassword?: string
  mqttConnections: number
  mqttInflight: number
  boroughs: string[]
  instance: string
}

export interface Consumers {
  clients: MqttClient[]
  /** Per connection: client id, filters, connected. */
  describe(): { clientId: string; filters: string[]; connected: boolean }[]
  /** True while messages wait because the spool is full. */
  backpressured(): boolean
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

export function startConsumers(
  options: ConsumerOptions,
  deps: { pipeline: Pipeline; spool: Spool; metrics: IngestMetrics; logger: Logger },
): Consumers {
  const { pipeline, spool, metrics, logger } = deps
  const parts = partitionBoroughs(options.boroughs, options.mqttConnections)
  let waitingForSpool = 0
  let closing = false

  async function roomInSpool(): Promise<void> {
    if (!spool.isFull()) return
    waitingForSpool++
    metrics.backpressure.set(1)
    logger.warn({ depth: spool.depth() }, 'spool full: holding back acknowledgements')
    while (spool.isFull() && !closing) await new Promise((r) => setTimeout(r, 50))
    waitingForSpool--
    if (waitingForSpool === 0) metrics.backpressure.set(0)
  }

  const clients = parts.map((boroughs, k) => {
    const clientId = `${options.instance}-${k}`
    const filters = readingFilters(boroughs)
    const client = mqtt.connect(options.mqttUrl, {
      clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      keepalive: 30,
      ...(options.mqttUsername ? { username: options.mqttUsername } : {}),
      ...(options.mqttPassword ? { password: options.mqttPassword } : {}),
    })
    const acks = orderedAcks(client, options.mqttInflight)
    const log = logger.child({ clientId })

    client.on('connect', (connack) => {
      metrics.mqttConnected.inc()
      log.info({ sessionPresent: connack.sessionPresent, filters }, 'consumer connected')
      client.subscribe(filters, { qos: 1 }, (err) => {
        if (err) log.error({ err }, 'subscribe failed')
      })
    })
    client.on('close', () => metrics.mqttConnected.set(clients.filter((c) => c.client.connected).length))
    client.on('error', (err) => log.warn({ err: err.message }, 'MQTT error'))

    client.handleMessage = (packet: IPublishPacket, callback: (err?: Error) => void) => {
      const arrivedIn = acks.generation()
      const fail = (err: Error) => {
        // Not durable: never acknowledge. Reconnect so the broker redelivers it.
        log.error({ err }, 'could not store a message; reconnecting for redelivery')
        client.stream?.destroy()
      }
      // Fast path (no await before the callback): room in the spool and in the ack window.
      if (!spool.isFull() && (packet.qos === 0 || acks.pending() < options.mqttInflight)) {
        acceptMessage(packet, arrivedIn, callback).catch(fail)
        return
      }
      ;(async () => {
        await roomInSpool()
        if (closing) return // no callback: no PUBACK, the broker keeps the message for the next session
        if (packet.qos > 0) await acks.waitForRoom()
        await acceptMessage(packet, arrivedIn, callback)
      })().catch(fail)
    }

    /** Registers the PUBACK to hold, lets mqtt.js read on, and acknowledges once the pipeline is done. */
    function acceptMessage(packet: IPublishPacket, arrivedIn: number, callback: (err?: Error) => void): Promise<void> {
      const held = packet.qos > 0 && packet.messageId !== undefined ? acks.hold(packet.messageId, arrivedIn) : undefined
      callback()
      const parts = parseTopic(packet.topic)
      if (parts?.direction !== 'up') {
        log.warn({ topic: packet.topic }, 'message outside the topic grammar ignored')
        held?.done()
        return Promise.resolve()
      }
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
      const expected = { sensor: parts.sensor, borough: parts.borough, channel: parts.channel as UpChannel }
      return pipeline.submit(expected, payload, packet.topic).then(() => held?.done())
    }

    return { client, clientId, filters }
  })

  // Device errors go out on the first connection (QoS 1; mqtt.js queues them while offline).
  pipeline.setErrorPublisher((expected, error) => {
    const topic = buildTopic(expected.borough, expected.sensor, 'errors')
    clients[0]?.client.publish(topic, JSON.stringify(error), { qos: 1 })
  })

  return {
    clients: clients.map((c) => c.client),
    describe: () => clients.map((c) => ({ clientId: c.clientId, filters: c.filters, connected: c.client.connected })),
    backpressured: () => waitingForSpool > 0,
    async close() {
      closing = true
      // Let the commit in progress finish so its PUBACKs go out, then leave (the session stays).
      await new Promise((r) => setImmediate(r))
      await Promise.all(clients.map((c) => c.client.endAsync().catch(() => undefined)))
    },
  }
}
