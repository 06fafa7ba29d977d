/**
 * PUBACKs sent only once a message is safe, in the order the PUBLISHes arrived (MQTT-4.6.0-2),
 * while mqtt.js reads on. mqtt.js sends a QoS 1 PUBACK from the callback of handleMessage and
 * reads the next packet only after it, so waiting there for each fsync would cap a connection
 * at ~1,500 messages/s. Instead handleMessage's callback runs at once, the PUBACK that
 * mqtt.js then sends is held back here, and it goes out when the message is durable (or
 * quarantined). At most `window` messages per connection wait; beyond that handleMessage waits,
 * which stops reading and lets TCP push back on the broker. A held PUBACK dies with its
 * connection: the broker redelivers the message to the next session (a harmless duplicate).
 */
import type { MqttClient } from 'mqtt'

interface Pending {
  messageId: number
  ready: boolean
}

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: () => void, ...rest: unknown[]) => void

export interface OrderedAcks {
  /** The connection's generation; a message keeps the one it arrived in. */
  generation(): number
  /**
   * Registers a received QoS 1 message (call before handleMessage's callback, whose PUBACK is
   * swallowed); call done() when it is durable or quarantined. A message from an earlier
   * connection is never acknowledged on this one.
   */
  hold(messageId: number, arrivedIn: number): { done(): void }
  /** Messages received and not yet acknowledged. */
  pending(): number
  /** Resolves when fewer than `window` messages wait. */
  waitForRoom(): Promise<void>
}

export function orderedAcks(client: MqttClient, window: number): OrderedAcks {
  const c = client as unknown as { _sendPacket: SendPacket }
  const original = c._sendPacket.bind(client)
  const swallow = new Set<number>()
  let queue: Pending[] = []
  let generation = 0
  let roomWaiters: (() => void)[] = []

  // mqtt.js' own PUBACK for a held message: drop it, but let mqtt.js go on reading.
  c._sendPacket = (packet, cb, ...rest) => {
    if (packet.cmd === 'puback' && packet.messageId !== undefined && swallow.delete(packet.messageId)) {
      cb?.()
      return
    }
    original(packet, cb, ...rest)
  }

  client.on('close', () => {
    // Unacknowledged messages of this connection will be redelivered; never ack them on the next.
    generation++
    queue = []
    swallow.clear()
    wakeRoom()
  })

  function wakeRoom(): void {
    if (queue.length >= window) return
    const waiters = roomWaiters
    roomWaiters = []
    for (const w of waiters) w()
  }

  function flush(): void {
    let sent = 0
    while (queue.length > 0 && queue[0]!.ready) {
      const head = queue.shift()!
      original({ cmd: 'puback', messageId: head.messageId })
      sent++
    }
    if (sent > 0) wakeRoom()
  }

  return {
    generation: () => generation,
    hold(messageId, arrivedIn) {
      swallow.add(messageId)
      if (arrivedIn !== generation) return { done() {} }
      const entry: Pending = { messageId, ready: false }
      queue.push(entry)
      return {
        done() {
          if (arrivedIn !== generation || !client.connected) return
          entry.ready = true
          flush()
        },
      }
    },
    pending: () => queue.length,
    waitForRoom() {
      if (queue.length < window) return Promise.resolve()
      return new Promise((resolve) => roomWaiters.push(resolve))
    },
  }
}
