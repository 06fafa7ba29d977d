/**
 * Where messages are checked: on the main thread, or on a pool of worker threads. Parsing,
 * validating and encoding a batch of 30 readings is most of the ingest's CPU time (profiled); on
 * the main thread it caps a whole ingest at one core, beside MQTT, the spool and the writer.
 * Jobs go to the threads in batches (one postMessage per turn of the event loop, not per message)
 * and results are handed back in submission order, so per-sensor sequence checks see messages in
 * the order they arrived. A thread that dies has its jobs checked on the main thread instead.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import type { SensorInfo } from '../directory/sensor-directory.js'
import { type Checked, checkWithEntry, type Expected } from './check-message.js'

export interface CheckJob {
  expected: Expected
  payload: Uint8Array | string
  /** The sensor's registry entry, looked up on the main thread (the registry lives there). */
  info: SensorInfo | undefined
}

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

/**
 * Messages smaller than this are checked on the main thread: for a single reading (~250 bytes)
 * the copy, postMessage and hand-back cost more than the check (single-reading throughput fell
 * ~12% when every message went to a thread); a batch of 30 (~6 KB) gains.
 */
const OFFLOAD_BYTES = 2048

interface Pending {
  job: CheckJob
  /** The payload as given, for checking here if the thread is lost (job.payload is transferred). */
  original: Buffer | string
  result?: Checked
  resolve(result: Checked): void
}

/** A worker running check-worker.ts: compiled JS as is, TypeScript sources through tsx. */
function spawnCheckWorker(maxPayloadBytes: number, heapMb: number | undefined): Worker {
  // A larger young generation: every message's parsed JSON dies young, and fewer, larger
  // scavenges cost less in total (GC was ~10% of a check thread's time with the default).
  const options = {
    workerData: { maxPayloadBytes },
    resourceLimits: { maxYoungGenerationSizeMb: 64, ...(heapMb ? { maxOldGenerationSizeMb: heapMb } : {}) },
  }
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./check-worker.js', import.meta.url), options)
  // Node 20 workers do not inherit `--import tsx` or a registered loader: register it in the worker.
  const require = createRequire(import.meta.url)
  const pkgPath = require.resolve('tsx/package.json')
  const api = (
    JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> }
  ).exports['./esm/api']!.import.default
  const tsx = pathToFileURL(join(dirname(pkgPath), api)).href
  const entry = new URL('./check-worker.ts', import.meta.url).href
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(code, { ...options, eval: true })
}

export interface CheckPoolOptions {
  threads: number
  maxPayloadBytes: number
  logger: Logger
  /** Old-generation heap bound per thread in MB (default: Node's); a thread that exceeds it dies. */
  heapMb?: number
}

export function startCheckPool(options: CheckPoolOptions): Checker {
  const { maxPayloadBytes, logger } = options
  const inline = (p: Pending) => checkWithEntry(p.job.expected, p.original, p.job.info, maxPayloadBytes)
  const queue: Pending[] = []
  let outgoing: Pending[] = []
  let flushScheduled = false
  let next = 0
  const threads = Array.from({ length: options.threads }, () => {
    let markReady = () => {}
    const ready = new Promise<void>((resolve) => {
      markReady = resolve
    })
    const thread = {
      worker: spawnCheckWorker(maxPayloadBytes, options.heapMb),
      batches: [] as Pending[][],
      alive: true,
      ready,
    }
    thread.worker.unref()
    thread.worker.on('message', (results: (Checked | { crashed: string })[] | 'ready') => {
      if (results === 'ready') return markReady()
      const batch = thread.batches.shift() ?? []
      for (const [i, p] of batch.entries()) {
        const r = results[i]
        if (r && 'crashed' in r) {
          logger.error({ err: r.crashed, sensor: p.job.expected.sensor }, 'check thread failed on a message')
          p.result = inline(p)
        } else {
          if (r?.ok && r.lines instanceof Uint8Array)
            r.lines = Buffer.from(r.lines.buffer, r.lines.byteOffset, r.lines.byteLength)
          p.result = r
        }
      }
      settle()
    })
    const lost = (why: string) => {
      markReady()
      if (!thread.alive) return
      thread.alive = false
      const held = thread.batches.splice(0).flat()
      logger.error({ why, messages: held.length }, 'check thread stopped; its messages are checked on the main thread')
      for (const p of held) p.result = inline(p)
      settle()
    }
    thread.worker.on('error', (err) => lost(err.message))
    thread.worker.on('exit', (code) => lost(`exit ${code}`))
    return thread
  })

  /** Resolves finished jobs from the head of the queue: results leave in submission order. */
  function settle(): void {
    while (queue.length > 0 && queue[0]!.result !== undefined) {
      const p = queue.shift()!
      p.resolve(p.result!)
    }
  }

  function flush(): void {
    flushScheduled = false
    const batch = outgoing
    outgoing = []
    const alive = threads.filter((t) => t.alive)
    const thread = alive[next++ % Math.max(1, alive.length)]
    if (!thread) {
      for (const p of batch) p.result = inline(p)
      settle()
      return
    }
    thread.batches.push(batch)
    const jobs = batch.map((p) => p.job)
    const transfer = jobs.flatMap((j) => (typeof j.payload === 'string' ? [] : [j.payload.buffer as ArrayBuffer]))
    thread.worker.postMessage(jobs, transfer)
  }

  return {
    ready: Promise.all(threads.map((t) => t.ready)).then(() => undefined),
    check(expected, payload, info) {
      return new Promise<Checked>((resolve) => {
        const size = typeof payload === 'string' ? payload.length : payload.byteLength
        if (size < OFFLOAD_BYTES) {
          // Small (a single reading): handing it over costs more than checking it here (measured).
          const p: Pending = { job: { expected, payload, info }, original: payload, resolve }
          p.result = inline(p)
          queue.push(p)
          return settle()
        }
        // A compact copy to transfer: an MQTT payload is often a view into a much larger socket
        // buffer, and posting a view would copy that whole buffer.
        const bytes = typeof payload === 'string' ? payload : Uint8Array.prototype.slice.call(payload)
        const p: Pending = { job: { expected, payload: bytes, info }, original: payload, resolve }
        queue.push(p)
        outgoing.push(p)
        if (!flushScheduled) {
          flushScheduled = true
          // Every message already read from the sockets in this turn joins the batch.
          setImmediate(flush)
        }
      })
    },
    async close() {
      for (const t of threads) t.alive = false
      await Promise.all(threads.map((t) => t.worker.terminate()))
      // Whatever was still out is checked here, so no caller waits for ever.
      for (const t of threads) for (const batch of t.batches.splice(0)) for (const p of batch) p.result ??= inline(p)
      for (const p of outgoing.splice(0)) p.result ??= inline(p)
      settle()
    },
  }
}
