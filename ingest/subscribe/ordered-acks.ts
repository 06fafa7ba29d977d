/**
 * PUBACKs sent only once a message is safe, in the order the PUBLISHes arrived (MQTT-4.6.0-2),
 * while mqtt.js reads on. mqtt.js sends a QoS 1 PUBACK from the callback of handleMessage and
 * reads the next packet only after it, so waiting there for each fsync would cap a connection
 * at ~1,500 messages/s. Instead handleMessage's callback runs at once, the PUBACK that
 * mqtt.js then sends is held back here, and it goes out when the message is durable (or
 * quarantined). At most `window` messages per connection wait; beyond that handleMessage waits,
 * which stops reading and lets TCP push back on the broker. A held PUBACK dies with its
 * connection: the broker redelivers the message to the next session (a harmless duplicate).
 * mqtt.js goes on handing over the packets it had read from a connection after that connection
 * closed, until it connects again; such a message belongs to the closed connection and never
 * takes a place in the next one's order, where its PUBACK could never be sent.
 */
import type { MqttClient } from 'mqtt'

interface Pending {
  messageId: number
  ready: boolean
}

/** The generation of a message read while no connection is up: from one that has closed. */
const CLOSED_CONNECTION = -1

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: () => void, ...rest: unknown[]) => void

export interface OrderedAcks {
  /**
   * The connection's generation, read when a message arrives; the message keeps it. While no
   * connection is up, the message was read from the one that closed: it gets none that matches.
   */
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
  return new OrderedAckQueue(client, window)
}

class OrderedAckQueue implements OrderedAcks {
  /** mqtt.js' own packet sender, for the PUBACKs sent from here. */
  private readonly send: SendPacket
  /** Held messages whose PUBACK from mqtt.js is to be dropped. */
  private readonly swallow = new Set<number>()
  /** Held messages of this connection, in arrival order. */
  private queue: Pending[] = []
  private connection = 0
  private roomWaiters: (() => void)[] = []

  constructor(
    private readonly client: MqttClient,
    private readonly window: number,
  ) {
    this.send = interceptPubacks(client, this.swallow)
    client.on('close', () => this.connectionClosed())
  }

  generation(): number {
    return this.client.connected ? this.connection : CLOSED_CONNECTION
  }

  hold(messageId: number, arrivedIn: number): { done(): void } {
    this.swallow.add(messageId)
    if (arrivedIn !== this.connection) return { done() {} }
    const entry: Pending = { messageId, ready: false }
    this.queue.push(entry)
    return {
      done: () => {
        if (arrivedIn !== this.connection || !this.client.connected) return
        entry.ready = true
        this.flush()
      },
    }
  }

  pending(): number {
    return this.queue.length
  }

  waitForRoom(): Promise<void> {
    if (this.queue.length < this.window) return Promise.resolve()
    return new Promise((resolve) => this.roomWaiters.push(resolve))
  }

  /** Unacknowledged messages of this connection will be redelivered; never ack them on the next. */
  private connectionClosed(): void {
    this.connection++
    this.queue = []
    this.swallow.clear()
    this.wakeRoom()
  }

  private wakeRoom(): void {
    if (this.queue.length >= this.window) return
    const waiters = this.roomWaiters
    this.roomWaiters = []
    for (const w of waiters) w()
  }

  /** Sends the PUBACKs of the ready messages at the head of the queue. */
  private flush(): void {
    let sent = 0
    while (this.queue.length > 0 && this.queue[0]!.ready) {
      const head = this.queue.shift()!
      this.send({ cmd: 'puback', messageId: head.messageId })
      sent++
    }
    if (sent > 0) this.wakeRoom()
  }
}

/**
 * Drops mqtt.js' own PUBACK for a held message (but lets mqtt.js go on reading); returns the
 * original sender.
 */
function interceptPubacks(client: MqttClient, swallow: Set<number>): SendPacket {
  const c = client as unknown as { _sendPacket: SendPacket }
  const original = c._sendPacket.bind(client)
  c._sendPacket = (packet, cb, ...rest) => {
    if (packet.cmd === 'puback' && packet.messageId !== undefined && swallow.delete(packet.messageId)) {
      cb?.()
      return
    }
    original(packet, cb, ...rest)
  }
  return original
}
