/**
 * Drains the spool into InfluxDB. v1 API (`/write?db=&rp=&precision=ms`) or v2 API
 * (`/api/v2/write?org=&bucket=&precision=ms` with a token), chosen by the settings. Rows leave
 * the spool only when InfluxDB accepted them (204), or when InfluxDB refused a point as bad
 * (400/422): those points go to the quarantine with InfluxDB's message and the rest is written.
 * Network errors, 5xx, 429 and anything unexpected are retried with exponential backoff + jitter.
 */
import type { Logger } from 'pino'
import type { Quarantine } from '../quarantine/quarantine.js'
import type { Spool, SpoolRow } from '../spool/spool.js'
import { sensorOfLine, splitLines } from './line-protocol.js'

export interface InfluxTarget {
  influxUrl: string
  influxDb: string
  influxRp?: string
  influxOrg?: string
  influxBucket?: string
  influxToken?: string
}

export interface WriterOptions extends InfluxTarget {
  batchSize: number
  flushIntervalMs: number
  writeConcurrency: number
}

export interface WriterEvents {
  written?(points: number, ms: number): void
  quarantined?(points: number): void
  failed?(reason: string): void
}

export interface InfluxWriter {
  /** Wakes the writer (new rows in the spool). */
  notify(): void
  /** Whether the last attempt reached InfluxDB, and its last error. */
  health(): { reachable: boolean; lastError?: string }
  /** Stops after the writes in progress; rows not written stay in the spool. */
  stop(): Promise<void>
}

export type WriteOutcome = { ok: true } | { ok: false; status: number; message: string; retry: boolean }

export function writeUrl(t: InfluxTarget): { url: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' }
  if (t.influxToken) headers.authorization = `Token ${t.influxToken}`
  if (t.influxOrg !== undefined) {
    const q = new URLSearchParams({ org: t.influxOrg, bucket: t.influxBucket ?? '', precision: 'ms' })
    return { url: `${t.influxUrl}/api/v2/write?${q}`, headers }
  }
  const q = new URLSearchParams({ db: t.influxDb, precision: 'ms' })
  if (t.influxRp) q.set('rp', t.influxRp)
  return { url: `${t.influxUrl}/write?${q}`, headers }
}

/** One POST of line protocol; never throws. */
export async function postLines(t: InfluxTarget, body: string, timeoutMs = 30_000): Promise<WriteOutcome> {
  const { url, headers } = writeUrl(t)
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) })
    if (res.status === 204 || res.status === 200) {
      await res.body?.cancel()
      return { ok: true }
    }
    const text = await res.text()
    let message = text
    try {
      const parsed = JSON.parse(text) as { error?: string; message?: string }
      message = parsed.error ?? parsed.message ?? text
    } catch {
      // not JSON: keep the text
    }
    const bad = res.status === 400 || res.status === 422
    return { ok: false, status: res.status, message, retry: !bad }
  } catch (err) {
    return { ok: false, status: 0, message: (err as Error).message, retry: true }
  }
}

/** Backoff for attempt n: exponential from 100 ms to 10 s, full jitter. */
export const backoffMs = (attempt: number): number => Math.random() * Math.min(10_000, 100 * 2 ** attempt)

export function startInfluxWriter(
  options: WriterOptions,
  deps: { spool: Spool; quarantine: Quarantine; logger: Logger; events?: WriterEvents },
): InfluxWriter {
  const { spool, quarantine, logger, events = {} } = deps
  let stopped = false
  let reachable = true
  let lastError: string | undefined
  const wakers = new Set<() => void>()
  const sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>()

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => done(), ms), resolve }
      const done = () => {
        clearTimeout(entry.timer)
        sleepers.delete(entry)
        resolve()
      }
      entry.resolve = done
      sleepers.add(entry)
    })
  }

  function waitForWork(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms)
      function finish() {
        clearTimeout(timer)
        wakers.delete(finish)
        resolve()
      }
      wakers.add(finish)
    })
  }

  /** Writes lines until InfluxDB accepted or quarantined every one of them (or we stop). */
  async function writeLines(lines: string[], sources: string[]): Promise<boolean> {
    for (let attempt = 0; !stopped; attempt++) {
      const started = Date.now()
      const outcome = await postLines(options, lines.join('\n'))
      if (outcome.ok) {
        reachable = true
        lastError = undefined
        events.written?.(lines.length, Date.now() - started)
        return true
      }
      reachable = outcome.status !== 0
      lastError = `${outcome.status || 'network'}: ${outcome.message}`
      if (!outcome.retry) return await splitBadPoints(lines, sources, outcome.message)
      if (/database not found/i.test(outcome.message)) await createDatabase(options).catch(() => undefined)
      events.failed?.(lastError)
      if (attempt % 10 === 0) logger.warn({ attempt, error: lastError }, 'InfluxDB write failed; retrying')
      await sleep(backoffMs(Math.min(attempt, 10)))
    }
    return false
  }

  /**
   * A 400/422: InfluxDB refused some points. Lines it names ("unable to parse '<line>'") go to the
   * quarantine at once; otherwise (e.g. a field type conflict, "dropped=N") halve the batch until
   * the refused points stand alone. Rewriting accepted points is harmless (same series + time).
   */
  async function splitBadPoints(lines: string[], sources: string[], message: string): Promise<boolean> {
    const bad =
      lines.length === 1 ? [0] : lines.flatMap((l, i) => (message.includes(`unable to parse '${l}'`) ? [i] : []))
    if (bad.length > 0) {
      for (const i of bad) {
        quarantine.add({
          code: 'IOT_INGEST_INFLUX_REJECTED',
          reason: `InfluxDB refused the point: ${message}`,
          schema: 'influxdb-line-protocol',
          sensor: sensorOfLine(lines[i]!),
          topic: sources[i],
          raw: lines[i]!,
        })
      }
      events.quarantined?.(bad.length)
      logger.warn({ points: bad.length, error: message }, 'InfluxDB refused points; quarantined')
      const keep = (_: string, i: number) => !bad.includes(i)
      const rest = lines.filter(keep)
      return rest.length === 0 ? true : await writeLines(rest, sources.filter(keep))
    }
    const half = Math.ceil(lines.length / 2)
    return (
      (await writeLines(lines.slice(0, half), sources.slice(0, half))) &&
      (await writeLines(lines.slice(half), sources.slice(half)))
    )
  }

  async function writeRows(rows: SpoolRow[]): Promise<void> {
    const lines: string[] = []
    const sources: string[] = []
    for (const row of rows) {
      const split = row.count === 1 ? [row.lines] : splitLines(row.lines, row.count)
      for (const line of split) {
        lines.push(line)
        sources.push(row.source)
      }
    }
    if (await writeLines(lines, sources)) spool.ack(rows.map((r) => r.id))
    else spool.release(rows.map((r) => r.id))
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      // A partial batch waits up to flushIntervalMs for company; a full one goes at once.
      const waiting = spool.depth() - spool.inFlight()
      if (waiting <= 0) {
        await waitForWork(options.flushIntervalMs)
        continue
      }
      if (waiting < options.batchSize) {
        const age = spool.oldestAgeMs()
        if (age < options.flushIntervalMs) await waitForWork(options.flushIntervalMs - age)
      }
      const rows = spool.take(options.batchSize)
      if (rows.length === 0) continue
      await writeRows(rows)
    }
  }

  const loops = Array.from({ length: options.writeConcurrency }, () =>
    loop().catch((err: Error) => logger.error({ err }, 'InfluxDB writer stopped unexpectedly')),
  )

  return {
    notify() {
      if (wakers.size > 0 && spool.depth() - spool.inFlight() >= options.batchSize) for (const w of [...wakers]) w()
    },
    health: () => ({ reachable, ...(lastError ? { lastError } : {}) }),
    async stop() {
      stopped = true
      for (const w of [...wakers]) w()
      for (const s of [...sleepers]) s.resolve()
      await Promise.all(loops)
    },
  }
}

/** CREATE DATABASE on the v1 API (idempotent). The v2 API has buckets made by the operator. */
export async function createDatabase(t: InfluxTarget): Promise<void> {
  if (t.influxOrg !== undefined) return
  const headers: Record<string, string> = {}
  if (t.influxToken) headers.authorization = `Token ${t.influxToken}`
  const body = new URLSearchParams({ q: `CREATE DATABASE "${t.influxDb.replace(/["\\]/g, '')}"` })
  const res = await fetch(`${t.influxUrl}/query`, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(10_000),
  })
  if (!res.ok) throw new Error(`CREATE DATABASE failed: ${res.status} ${await res.text()}`)
  await res.body?.cancel().catch(() => undefined)
}
