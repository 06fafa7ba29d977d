/**
 * One check thread of the pool (check-pool.ts): the worker running check-worker.ts, the batches
 * it holds, and what happens when it answers, fails on a message, or dies.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import type { Checked, CheckJob } from './check-message.js'

/** A job submitted to the pool, until its result is handed back. */
export interface Pending {
  job: CheckJob
  /** The payload as given, for checking here if the thread is lost (job.payload is transferred). */
  original: Buffer | string
  result?: Checked
  resolve(result: Checked): void
}

/** What a thread needs of its pool. */
export interface ThreadHost {
  readonly logger: Logger
  /** Checks a job on the main thread. */
  inline(p: Pending): Checked
  /** Hands finished jobs back, in submission order. */
  settle(): void
}

type ThreadAnswer = (Checked | { crashed: string })[] | 'ready'

export class CheckThread {
  readonly worker: Worker
  /** Batches posted and not answered yet, oldest first (a thread answers in order). */
  readonly batches: Pending[][] = []
  alive = true
  /** Resolves when the thread has compiled the schemas (or has been lost). */
  readonly ready: Promise<void>
  private markReady: () => void = () => {}

  constructor(
    options: { maxPayloadBytes: number; heapMb?: number },
    private readonly host: ThreadHost,
  ) {
    this.ready = new Promise<void>((resolve) => {
      this.markReady = resolve
    })
    this.worker = spawnCheckWorker(options.maxPayloadBytes, options.heapMb)
    this.worker.unref()
    this.worker.on('message', (answer: ThreadAnswer) => this.answered(answer))
    this.worker.on('error', (err) => this.lost(err.message))
    this.worker.on('exit', (code) => this.lost(`exit ${code}`))
  }

  post(batch: Pending[]): void {
    this.batches.push(batch)
    const jobs = batch.map((p) => p.job)
    const transfer = jobs.flatMap((j) => (typeof j.payload === 'string' ? [] : [j.payload.buffer as ArrayBuffer]))
    this.worker.postMessage(jobs, transfer)
  }

  private answered(answer: ThreadAnswer): void {
    if (answer === 'ready') {
      this.markReady()
      return
    }
    const batch = this.batches.shift() ?? []
    for (const [i, p] of batch.entries()) {
      const r = answer[i]
      if (r && 'crashed' in r) {
        this.host.logger.error({ err: r.crashed, sensor: p.job.expected.sensor }, 'check thread failed on a message')
        p.result = this.host.inline(p)
      } else {
        if (r?.ok && r.lines instanceof Uint8Array)
          r.lines = Buffer.from(r.lines.buffer, r.lines.byteOffset, r.lines.byteLength)
        p.result = r
      }
    }
    this.host.settle()
  }

  private lost(why: string): void {
    this.markReady()
    if (!this.alive) return
    this.alive = false
    const held = this.batches.splice(0).flat()
    this.host.logger.error(
      { why, messages: held.length },
      'check thread stopped; its messages are checked on the main thread',
    )
    for (const p of held) p.result = this.host.inline(p)
    this.host.settle()
  }
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
