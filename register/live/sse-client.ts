/**
 * One Server-Sent Events connection. Frames go to the socket while it takes them; while it does
 * not (its buffer is above the high-water mark), they wait in this client's queue, at most
 * `maxBufferedBytes` of them. A client whose queue would grow past that is too slow for the
 * feed: the queue is discarded, it gets a final `dropped` event and the connection is ended
 * (destroyed if even that does not drain), so a slow or stalled reader costs at most its
 * socket buffer and its queue, never more.
 */
import type { ServerResponse } from 'node:http'
import type { RegisterEntry } from '../../schemas/index.js'

export interface LiveFilter {
  boroughs?: ReadonlySet<string>
  kinds?: ReadonlySet<string>
  sensors?: ReadonlySet<string>
}

export interface ClientOptions {
  maxBufferedBytes: number
  /** How long a dropped client's last bytes may take to drain before the socket is destroyed. */
  closeGraceMs: number
  /** The access decision for this caller (one function decides who may read a sensor's readings). */
  mayRead(entry: RegisterEntry): boolean
}

export class SseClient {
  closed = false
  /** The id of the last event handed to the socket (queued ones are not counted). */
  lastId: string | undefined
  onDrop: (() => void) | undefined
  private queue: { frame: string; id?: string }[] = []
  private queuedBytes = 0
  private waiting = false

  constructor(
    private readonly res: ServerResponse,
    readonly filter: LiveFilter,
    readonly address: string,
    private readonly opts: ClientOptions,
    private readonly onClose: (client: SseClient) => void,
  ) {
    res.on('close', () => this.close())
  }

  wants(entry: RegisterEntry): boolean {
    const f = this.filter
    if (f.sensors && !f.sensors.has(entry.id)) return false
    if (f.boroughs && !f.boroughs.has(entry.borough)) return false
    if (f.kinds && !f.kinds.has(entry.kind)) return false
    return this.opts.mayRead(entry)
  }

  /** Sends or queues a frame; drops the client when the queue would pass its bound. */
  send(frame: string, id?: string): boolean {
    if (this.closed) return false
    if (!this.waiting) return this.write(frame, id)
    const bytes = Buffer.byteLength(frame)
    if (this.queuedBytes + bytes > this.opts.maxBufferedBytes) {
      this.onDrop?.()
      this.drop('slow_consumer')
      return false
    }
    this.queue.push({ frame, id })
    this.queuedBytes += bytes
    return true
  }

  private write(frame: string, id?: string): boolean {
    if (id) this.lastId = id
    if (this.res.write(frame)) return true
    this.waiting = true
    this.res.once('drain', () => this.flush())
    return true
  }

  private flush(): void {
    if (this.closed) return
    this.waiting = false
    const queued = this.queue
    this.queue = []
    this.queuedBytes = 0
    if (queued.length === 0) return
    this.write(queued.map((q) => q.frame).join(''), queued.findLast((q) => q.id)?.id)
  }

  /** The final event, then the end of the stream. */
  drop(reason: 'slow_consumer' | 'shutdown', detail: Record<string, unknown> = {}): void {
    if (this.closed) return
    const data = { reason, last_event_id: this.lastId ?? null, queued_bytes: this.queuedBytes, ...detail }
    this.queue = []
    this.queuedBytes = 0
    this.res.end(`event: dropped\ndata: ${JSON.stringify(data)}\n\n`)
    const timer = setTimeout(() => this.res.destroy(), this.opts.closeGraceMs)
    timer.unref()
    this.close()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.onClose(this)
  }
}
