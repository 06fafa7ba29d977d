/**
 * One PUBLISH on a consumer connection, from mqtt.js' handleMessage hook to the pipeline. The
 * callback runs as soon as the PUBACK is held (ordered-acks.ts), so mqtt.js reads on; the
 * PUBACK leaves once the pipeline made the message durable or quarantined it. When the spool is
 * full or the ack window is used up, the callback waits, which stops reading from the socket.
 */
import type { IPublishPacket } from 'mqtt'
import { DATA_CHANNELS, parseTopic, type UpChannel } from '../../schemas/index.js'
import type { Connection, ConsumerGroup } from './consumer-group.js'

type Done = (err?: Error) => void

export function handleMessage(group: ConsumerGroup, conn: Connection, packet: IPublishPacket, callback: Done): void {
  const arrivedIn = conn.acks.generation()
  // Fast path (no await before the callback): room in the spool and in the ack window.
  if (!group.spool.isFull() && (packet.qos === 0 || conn.acks.pending() < group.options.mqttInflight)) {
    acceptMessage(group, conn, packet, arrivedIn, callback).catch(conn.fail)
    return
  }
  waitThenAccept(group, conn, packet, arrivedIn, callback).catch(conn.fail)
}

async function waitThenAccept(
  group: ConsumerGroup,
  conn: Connection,
  packet: IPublishPacket,
  arrivedIn: number,
  callback: Done,
): Promise<void> {
  await roomInSpool(group)
  if (group.closing) return // no callback: no PUBACK, the broker keeps the message for the next session
  if (packet.qos > 0) await conn.acks.waitForRoom()
  await acceptMessage(group, conn, packet, arrivedIn, callback)
}

/** Registers the PUBACK to hold, lets mqtt.js read on, and acknowledges once the pipeline is done. */
function acceptMessage(
  group: ConsumerGroup,
  conn: Connection,
  packet: IPublishPacket,
  arrivedIn: number,
  callback: Done,
): Promise<void> {
  const held =
    packet.qos > 0 && packet.messageId !== undefined ? conn.acks.hold(packet.messageId, arrivedIn) : undefined
  callback()
  const parts = parseTopic(packet.topic)
  // Only data reaches the pipeline: the consumers subscribe to data channels only, and a command
  // result (ingest/commands/) must never become a reading or a quarantined message.
  if (parts?.direction !== 'up' || !(DATA_CHANNELS as readonly string[]).includes(parts.channel)) {
    conn.log.warn({ topic: packet.topic }, 'message outside the data topics ignored')
    held?.done()
    return Promise.resolve()
  }
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
  const expected = { sensor: parts.sensor, borough: parts.borough, channel: parts.channel as UpChannel }
  return group.pipeline.submit(expected, payload, packet.topic).then(() => held?.done())
}

/** Waits while the spool is full (acknowledgements held back), or until the consumers close. */
async function roomInSpool(group: ConsumerGroup): Promise<void> {
  const { spool, metrics } = group
  if (!spool.isFull()) return
  group.waitingForSpool++
  metrics.backpressure.set(1)
  group.logger.warn({ depth: spool.depth() }, 'spool full: holding back acknowledgements')
  while (spool.isFull() && !group.closing) await new Promise((r) => setTimeout(r, 50))
  group.waitingForSpool--
  if (group.waitingForSpool === 0) metrics.backpressure.set(0)
}
