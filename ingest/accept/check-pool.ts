/**
 * Where messages are checked: on the main thread, or on a pool of worker threads. Parsing,
 * validating and encoding a batch of 30 readings is most of the ingest's CPU time (profiled); on
 * the main thread it caps a whole ingest at one core, beside MQTT, the spool and the writer.
 * Jobs go to the threads in batches (one postMessage per turn of the event loop, not per message)
 * and results are handed back in submission order, so per-sensor sequence checks see messages in
 * the order they arrived. A thread that dies has its jobs checked on the main thread instead
 * (check-thread.ts).
 */
import type { Logger } from 'pino'
import type { SensorInfo } from '../directory/sensor-directory.js'
import { type Checked, checkWithEntry, type Expected } from './check-message.js'
import { CheckThread, type Pending, type ThreadHost } from './check-thread.js'

export interface Checker {
  /** Resolves when every thread is ready to check (or has been given up for the main thread). */
  ready: Promise<void>
  check(expected: Expected, payload: Buffer | string, info: SensorInfo | undefined): Promise<Checked>
  close(): Promise<void>
}

export function inlineChecker(maxPayloadBytes: number): Checker {
  return {
    ready: Promise.resolve(),
    check: async (expected, payload, info) => checkWithEntry(expected, payload, info, maxPayloadBytes),
    close: async () => undefined,
  }
}

export interface CheckPoolOptions {
  threads: number
  maxPayloadBytes: number
  logger: Logger
  /** Old-generation heap bound per thread in MB (default: Node's); a thread that exceeds it dies. */
  heapMb?: number
}

export function startCheckPool(options: CheckPoolOptions): Checker {
  return new CheckPool(options)
}

/**
 * Messages smaller than this are checked on the main thread: for a single reading (~250 bytes)
 * the copy, postMessage and hand-back cost more than the check (single-reading throughput fell
 * ~12% when every message went to a thread); a batch of 30 (~6 KB) gains.
 */
const OFFLOAD_BYTES = 2048

class CheckPool implements Checker, ThreadHost {
  readonly ready: Promise<void>
  readonly logger: Logger
  private readonly maxPayloadBytes: number
  private readonly threads: CheckThread[]
  /** Every job not handed back yet, in submission order. */
  private readonly queue: Pending[] = []
  /** Jobs for the threads, posted together on the next turn of the event loop. */
  private outgoing: Pending[] = []
  private flushScheduled = false
  private next = 0
  private readonly flushNow = (): void => this.flush()

  constructor(options: CheckPoolOptions) {
    this.logger = options.logger
    this.maxPayloadBytes = options.maxPayloadBytes
    this.threads = Array.from({ length: options.threads }, () => new CheckThread(options, this))
    this.ready = Promise.all(this.threads.map((t) => t.ready)).then(() => undefined)
  }

  check(expected: Expected, payload: Buffer | string, info: SensorInfo | undefined): Promise<Checked> {
    return new Promise<Checked>((resolve) => {
      const size = typeof payload === 'string' ? payload.length : payload.byteLength
      if (size < OFFLOAD_BYTES) {
        // Small (a single reading): handing it over costs more than checking it here (measured).
        const p: Pending = { job: { expected, payload, info }, original: payload, resolve }
        p.result = this.inline(p)
        this.queue.push(p)
        return this.settle()
      }
      // A compact copy to transfer: an MQTT payload is often a view into a much larger socket
      // buffer, and posting a view would copy that whole buffer.
      const bytes = typeof payload === 'string' ? payload : Uint8Array.prototype.slice.call(payload)
      const p: Pending = { job: { expected, payload: bytes, info }, original: payload, resolve }
      this.queue.push(p)
      this.outgoing.push(p)
      if (!this.flushScheduled) {
        this.flushScheduled = true
        // Every message already read from the sockets in this turn joins the batch.
        setImmediate(this.flushNow)
      }
    })
  }

  async close(): Promise<void> {
    for (const t of this.threads) t.alive = false
    await Promise.all(this.threads.map((t) => t.worker.terminate()))
    // Whatever was still out is checked here, so no caller waits for ever.
    for (const t of this.threads)
      for (const batch of t.batches.splice(0)) for (const p of batch) p.result ??= this.inline(p)
    for (const p of this.outgoing.splice(0)) p.result ??= this.inline(p)
    this.settle()
  }

  inline(p: Pending): Checked {
    return checkWithEntry(p.job.expected, p.original, p.job.info, this.maxPayloadBytes)
  }

  /** Resolves finished jobs from the head of the queue: results leave in submission order. */
  settle(): void {
    while (this.queue.length > 0 && this.queue[0]!.result !== undefined) {
      const p = this.queue.shift()!
      p.resolve(p.result!)
    }
  }

  /** Posts this turn's jobs to the next live thread, or checks them here when none is left. */
  private flush(): void {
    this.flushScheduled = false
    const batch = this.outgoing
    this.outgoing = []
    const alive = this.threads.filter((t) => t.alive)
    const thread = alive[this.next++ % Math.max(1, alive.length)]
    if (!thread) {
      for (const p of batch) p.result = this.inline(p)
      this.settle()
      return
    }
    thread.post(batch)
  }
}
