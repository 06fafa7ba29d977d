/**
 * The live feed's hub: every client's connection and filter, and a bounded window of recent
 * events for reconnections (`Last-Event-ID`). An event is serialised once and written to each
 * client that wants it and may read it; nothing is queued per client beyond its socket buffer.
 */

import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { RegisterEntry } from '../../schemas/index.js'
import { type ClientOptions, type LiveFilter, SseClient } from './sse-client.js'

export interface HubLimits {
  maxClients: number
  maxClientsPerAddress: number
  maxBufferedBytes: number
  /** Events kept for replay: at most this many, none older than replayMs. */
  replayEvents: number
  replayMs: number
  heartbeatMs: number
  closeGraceMs: number
}

export const DEFAULT_HUB_LIMITS: HubLimits = {
  maxClients: 1000,
  maxClientsPerAddress: 20,
  maxBufferedBytes: 256 * 1024,
  replayEvents: 10_000,
  replayMs: 5 * 60_000,
  heartbeatMs: 15_000,
  closeGraceMs: 10_000,
}

interface LiveEvent {
  n: number
  at: number
  entry: RegisterEntry
  frame: string
}

export type AttachResult = { ok: true; client: SseClient } | { ok: false; reason: 'full' | 'address_full' }

export class LiveHub {
  /** Changes on every start, so an id from before a restart is recognised as one. */
  readonly boot = randomBytes(4).toString('hex')
  private readonly clients = new Set<SseClient>()
  private readonly perAddress = new Map<string, number>()
  /** Recent events, oldest first from `head` (the slots before it are spent, compacted now and then). */
  private readonly recent: LiveEvent[] = []
  private head = 0
  private seq = 0
  /** Clients dropped for being too slow, since start. */
  dropped = 0
  private readonly heartbeat: NodeJS.Timeout

  constructor(
    readonly limits: HubLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.heartbeat = setInterval(() => this.ping(), limits.heartbeatMs)
    this.heartbeat.unref()
  }

  get size(): number {
    return this.clients.size
  }

  /** A reading event (`data` is its JSON) for every client that wants the sensor and may read it. */
  publish(entry: RegisterEntry, data: string): void {
    const n = ++this.seq
    const id = `${this.boot}-${n}`
    const frame = `id: ${id}\nevent: reading\ndata: ${data}\n\n`
    this.remember({ n, at: this.now(), entry, frame })
    for (const client of this.clients) if (client.wants(entry)) client.send(frame, id)
  }

  attach(res: ServerResponse, filter: LiveFilter, address: string, opts: Pick<ClientOptions, 'mayRead'>): AttachResult {
    if (this.clients.size >= this.limits.maxClients) return { ok: false, reason: 'full' }
    const mine = this.perAddress.get(address) ?? 0
    if (mine >= this.limits.maxClientsPerAddress) return { ok: false, reason: 'address_full' }
    const client = new SseClient(res, filter, address, { ...this.limits, ...opts }, (c) => this.detach(c))
    client.onDrop = () => this.dropped++
    this.clients.add(client)
    this.perAddress.set(address, mine + 1)
    return { ok: true, client }
  }

  /**
   * The events after `lastEventId` that the client wants, or a `reset` event when they are no
   * longer all here (another process, a restart, or older than the replay window).
   */
  replay(client: SseClient, lastEventId: string | undefined): void {
    if (!lastEventId) return
    const [boot, num] = lastEventId.split('-')
    const n = Number(num)
    const oldest = this.recent[this.head]?.n ?? this.seq + 1
    if (boot !== this.boot || !Number.isSafeInteger(n) || n < oldest - 1 || n > this.seq) {
      const data = { reason: 'events_missed', last_event_id: lastEventId, backfill: '/v1/readings' }
      client.send(`event: reset\ndata: ${JSON.stringify(data)}\n\n`)
      return
    }
    for (let i = this.head; i < this.recent.length; i++) {
      const e = this.recent[i]!
      if (e.n > n && client.wants(e.entry)) client.send(e.frame, `${this.boot}-${e.n}`)
    }
  }

  close(): void {
    clearInterval(this.heartbeat)
    for (const client of [...this.clients]) client.drop('shutdown')
  }

  private remember(event: LiveEvent): void {
    this.recent.push(event)
    const horizon = event.at - this.limits.replayMs
    this.head = Math.max(this.head, this.recent.length - this.limits.replayEvents)
    while (this.head < this.recent.length && this.recent[this.head]!.at < horizon) this.head++
    if (this.head > 1024 && this.head * 2 > this.recent.length) {
      this.recent.splice(0, this.head)
      this.head = 0
    }
  }

  private ping(): void {
    for (const client of this.clients) client.send(': keep-alive\n\n')
  }

  private detach(client: SseClient): void {
    this.clients.delete(client)
    const left = (this.perAddress.get(client.address) ?? 1) - 1
    if (left > 0) this.perAddress.set(client.address, left)
    else this.perAddress.delete(client.address)
  }
}
