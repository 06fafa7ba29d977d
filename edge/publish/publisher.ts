/**
 * Moves readings from the outbox to the broker. MQTT 3.1.1, QoS 1, persistent session (clean=false,
 * client id = the register id) so the broker queues our cmd/errors while we are away. At most
 * `inFlight` messages wait for PUBACK; a row is marked sent only in mqtt.js's publish callback,
 * i.e. on PUBACK. A backlog (more than one pending row) goes out as batch messages of up to
 * `batchSize` readings, in sequence order. mqtt.js's own reconnect is off: we reconnect with
 * exponential backoff and full jitter so a borough's nodes do not stampede a restarted broker.
 */
import { readFileSync } from 'node:fs'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { buildTopic, deviceDownlinkFilter } from '../../schemas/index.js'
import type { EdgeConfig } from '../config.js'
import type { Outbox } from './outbox.js'

export interface PublisherEvents {
  onDownlink(topic: string, payload: Buffer): void
  onConnectionChange?(connected: boolean): void
  /** The broker acknowledged (PUBACK) these readings. */
  onDelivered?(seqs: number[]): void
}

export function backoffDelay(attempt: number, minMs: number, maxMs: number, rand = Math.random): number {
  const cap = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 20))
  return Math.round(minMs / 2 + rand() * (cap - minMs / 2))
}

export class Publisher {
  private client: MqttClient | undefined
  private readonly inFlight = new Set<number>()
  private cursor = 0
  private attempt = 0
  private reconnectTimer: NodeJS.Timeout | undefined
  private stopped = false
  private pumping = false
  readonly topic: string
  sentMessages = 0

  constructor(
    private readonly config: EdgeConfig,
    private readonly outbox: Outbox,
    private readonly log: Logger,
    private readonly events: PublisherEvents,
  ) {
    this.topic = buildTopic(config.sensor.borough, config.sensor.id, config.sensor.kind)
  }

  get connected(): boolean {
    return this.client?.connected ?? false
  }

  get inFlightCount(): number {
    return this.inFlight.size
  }

  start(): void {
    const b = this.config.broker
    const opts: IClientOptions = {
      protocolVersion: 4,
      clientId: b.clientId ?? this.config.sensor.id,
      clean: false,
      username: b.username,
      password: b.password,
      keepalive: b.keepaliveSeconds,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      queueQoSZero: false,
    }
    if (b.tls) {
      opts.ca = b.tls.ca ? readFileSync(b.tls.ca) : undefined
      opts.cert = b.tls.cert ? readFileSync(b.tls.cert) : undefined
      opts.key = b.tls.key ? readFileSync(b.tls.key) : undefined
      opts.rejectUnauthorized = b.tls.rejectUnauthorized
    }
    const client = mqtt.connect(b.url, opts)
    this.client = client
    client.on('connect', () => {
      this.attempt = 0
      this.log.info({ broker: b.url }, 'connected to broker')
      this.events.onConnectionChange?.(true)
      const filter = deviceDownlinkFilter(this.config.sensor.borough, this.config.sensor.id)
      client.subscribe(filter, { qos: 1 }, (err) => {
        if (err) this.log.warn({ err: err.message }, 'cannot subscribe to cmd/errors')
      })
      this.pump()
    })
    client.on('message', (topic, payload) => this.events.onDownlink(topic, payload))
    client.on('error', (err) => this.log.warn({ code: 'IOT_EDGE_MQTT', err: err.message }, 'mqtt error'))
    client.on('close', () => {
      this.events.onConnectionChange?.(false)
      this.forgetInFlight()
      this.scheduleReconnect()
    })
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return
    const b = this.config.broker
    const delay = backoffDelay(this.attempt++, b.reconnectMinMs, b.reconnectMaxMs)
    this.log.info({ delayMs: delay, attempt: this.attempt }, 'broker unreachable; retrying')
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined
      if (!this.stopped) this.client?.reconnect()
    }, delay)
  }

  /**
   * A dropped connection ends every wait for PUBACK: mqtt.js's reconnect() starts with fresh
   * stores and never calls the old publish callbacks, so the window would stay full for ever.
   * Rows still pending go again from the first unacknowledged one (a late PUBACK of the old
   * message only marks rows sent; a second copy is a harmless duplicate).
   */
  private forgetInFlight(): void {
    if (this.inFlight.size === 0) return
    this.cursor = Math.min(this.cursor, Math.min(...this.inFlight) - 1)
    this.inFlight.clear()
  }

  /** Sends pending rows while the window has room. Called on connect, on PUBACK and on new rows. */
  pump(): void {
    if (this.pumping) return
    this.pumping = true
    try {
      const { inFlight, batchSize } = this.config.outbox
      while (!this.stopped && this.client?.connected && this.inFlight.size < inFlight) {
        const rows = this.outbox.nextPending(this.cursor, batchSize).filter((r) => !this.inFlight.has(r.seq))
        if (rows.length === 0) break
        this.send(
          rows.map((r) => r.seq),
          rows.length === 1 ? rows[0]!.body : `{"readings":[${rows.map((r) => r.body).join(',')}]}`,
        )
      }
    } finally {
      this.pumping = false
    }
  }

  private send(seqs: number[], payload: string): void {
    for (const s of seqs) this.inFlight.add(s)
    this.cursor = seqs[seqs.length - 1]!
    this.client!.publish(this.topic, payload, { qos: 1 }, (err) => {
      for (const s of seqs) this.inFlight.delete(s)
      if (err) {
        // Not acknowledged: the rows stay pending and go again, in order.
        this.cursor = Math.min(this.cursor, seqs[0]! - 1)
        return
      }
      this.sentMessages++
      this.outbox.markSent(seqs)
      this.events.onDelivered?.(seqs)
      this.pump()
    })
  }

  /** After `resend`: start again from `seq`. */
  rewind(toSeq: number): void {
    this.cursor = Math.min(this.cursor, toSeq)
    this.pump()
  }

  publishStatus(topic: string, payload: string): void {
    this.publishNow(topic, payload)
  }

  /** Publishes at QoS 1 if connected (`acked` runs on PUBACK); false when not connected. */
  publishNow(topic: string, payload: string, acked?: () => void): boolean {
    if (!this.client?.connected) return false
    this.client.publish(topic, payload, { qos: 1 }, (err) => {
      if (!err) acked?.()
    })
    return true
  }

  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    const deadline = Date.now() + graceMs
    while (this.inFlight.size > 0 && this.client?.connected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
    }
    const client = this.client
    if (client) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()))
  }
}
