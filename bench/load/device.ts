/**
 * One simulated device of the light load generator: a raw TCP socket, an authenticated CONNECT
 * with its own credentials, QoS 1 PUBLISHes from a pre-built template, at most `window`
 * unacknowledged. Like the edge agent (edge/publish/publisher.ts): a dropped connection puts the
 * unacknowledged readings back at the head of the queue (sent again with DUP), and the device
 * reconnects with exponential backoff and full jitter; no CONNACK within the connect timeout
 * counts as a failure.
 */
import { connect, type Socket } from 'node:net'
import {
  connectPacket,
  fillPublish,
  type PacketSensor,
  PINGREQ,
  type PublishTemplate,
  pubackPacket,
  publishTemplate,
  subscribePacket,
} from './packets.js'
import { PacketReader } from './reader.js'

export interface DeviceOptions {
  host: string
  port: number
  localAddress?: string
  clean: boolean
  /** Subscribe to the device's downlink (cmd, errors) after every CONNACK, as the edge agent does. */
  subscribe: boolean
  keepaliveSeconds: number
  window: number
  connectTimeoutMs: number
  reconnect: { minMs: number; maxMs: number }
  /** A reading's time is BASE + seq x this. */
  timeStepMs: number
}

export interface DeviceHooks {
  acked?(device: BenchDevice, seq: number, at: number): void
  connected?(device: BenchDevice, at: number): void
  closed?(device: BenchDevice, at: number): void
}

export class BenchDevice {
  connected = false
  published = 0 // distinct readings sent at least once (since resetCounts)
  acked = 0
  resent = 0
  refusals = 0
  timeouts = 0
  lastSentAt = 0
  lastAckAt = 0
  closedAt = 0
  connectedAt = 0
  /** Flat-out mode: the next seq to send, or undefined when the step is over. */
  supply: (() => number | undefined) | undefined
  private socket: Socket | undefined
  private readonly template: PublishTemplate
  private readonly inFlight = new Map<number, number>() // packet id -> seq
  private readonly resend: number[] = []
  private queue: number[] = []
  private head = 0
  private nextId = 1
  private attempt = 0
  private stopped = false
  private waiters: (() => void)[] = []
  private connectTimer: NodeJS.Timeout | undefined

  constructor(
    readonly sensor: PacketSensor,
    private readonly opts: DeviceOptions,
    private readonly hooks: DeviceHooks = {},
  ) {
    this.template = publishTemplate(sensor, opts.timeStepMs)
  }

  /** Resolves at the first accepted CONNACK (the device keeps retrying until then). */
  start(): Promise<void> {
    const ready = new Promise<void>((resolve) => this.waiters.push(resolve))
    this.open()
    return ready
  }

  stop(): void {
    this.stopped = true
    this.socket?.destroy()
  }

  /** Readings waiting to be sent or acknowledged. */
  outstanding(): number {
    return this.inFlight.size + this.resend.length + this.queue.length - this.head
  }

  enqueue(seq: number): void {
    this.queue.push(seq)
  }

  resetCounts(): void {
    this.published = 0
    this.acked = 0
    this.resent = 0
  }

  /** Keepalive: a PINGREQ when nothing was sent for `keepaliveSeconds`. */
  ping(now: number): void {
    if (this.connected && now - this.lastSentAt >= this.opts.keepaliveSeconds * 1000) this.write(PINGREQ, now)
  }

  /** Sends what the window allows: readings to resend first, then queued ones, then the flat-out supply. */
  flush(): void {
    const room = this.opts.window - this.inFlight.size
    if (!this.connected || room <= 0) return
    const t = this.template
    const out = Buffer.allocUnsafe(room * t.length)
    let at = 0
    for (let n = 0; n < room; n++) {
      const dup = this.resend.length > 0
      const seq = dup ? this.resend.shift() : this.head < this.queue.length ? this.queue[this.head++] : this.supply?.()
      if (seq === undefined) break
      const id = this.takeId()
      this.inFlight.set(id, seq)
      at = fillPublish(t, out, at, seq, id, dup)
      if (dup) this.resent++
      else this.published++
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
    if (at > 0) this.write(out.subarray(0, at), Date.now())
  }

  private takeId(): number {
    do this.nextId = this.nextId === 65535 ? 1 : this.nextId + 1
    while (this.inFlight.has(this.nextId))
    return this.nextId
  }

  private write(bytes: Buffer, now: number): void {
    this.lastSentAt = now
    this.socket?.write(bytes)
  }

  private open(): void {
    const { host, port, localAddress } = this.opts
    const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}), noDelay: true })
    this.socket = socket
    const reader = new PacketReader({
      connack: (code, _session) => this.onConnack(code),
      puback: (id) => this.onPuback(id),
      publish: (id) => id !== undefined && socket.write(pubackPacket(id)),
    })
    const timer = setTimeout(() => {
      this.timeouts++
      socket.destroy()
    }, this.opts.connectTimeoutMs)
    socket.on('connect', () => socket.write(connectPacket(this.sensor, this.opts.clean, this.opts.keepaliveSeconds)))
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk)
      this.flush()
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      this.onClose(socket)
    })
    this.connectTimer = timer
  }

  private onConnack(code: number): void {
    clearTimeout(this.connectTimer)
    if (code !== 0) {
      this.refusals++
      this.socket?.destroy()
      return
    }
    const now = Date.now()
    this.connected = true
    this.connectedAt = now
    this.attempt = 0
    if (this.opts.subscribe) this.write(subscribePacket(this.sensor), now)
    this.hooks.connected?.(this, now)
    for (const resolve of this.waiters.splice(0)) resolve()
  }

  private onPuback(id: number): void {
    const seq = this.inFlight.get(id)
    if (seq === undefined) return
    this.inFlight.delete(id)
    this.acked++
    this.lastAckAt = Date.now()
    this.hooks.acked?.(this, seq, this.lastAckAt)
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return
    const wasConnected = this.connected
    this.connected = false
    // Unacknowledged readings go again, oldest first, ahead of anything not yet sent.
    const back = [...this.inFlight.values()].sort((a, b) => a - b)
    this.inFlight.clear()
    this.resend.unshift(...back)
    if (wasConnected) {
      this.closedAt = Date.now()
      this.hooks.closed?.(this, this.closedAt)
    }
    if (this.stopped) return
    const { minMs, maxMs } = this.opts.reconnect
    // Exponential backoff with full jitter, the edge agent's formula (edge/publish/publisher.ts).
    const cap = Math.min(maxMs, minMs * 2 ** Math.min(this.attempt++, 20))
    setTimeout(() => this.stopped || this.open(), Math.round(minMs / 2 + Math.random() * (cap - minMs / 2)))
  }
}
