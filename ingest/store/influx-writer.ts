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
import { createDatabase, type InfluxTarget, postLines } from './influx-http.js'
import { sensorOfLine, splitLines } from './line-split.js'

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

/** Backoff for attempt n: exponential from 100 ms to 10 s, full jitter. */
export const backoffMs = (attempt: number): number => Math.random() * Math.min(10_000, 100 * 2 ** attempt)

const NEWLINE = Buffer.from('\n')

/** One body from rows: text when every row is text, else the rows' bytes with newlines between. */
function joinRows(rows: SpoolRow[]): string | Buffer[] {
  if (rows.every((r) => typeof r.lines === 'string')) return rows.map((r) => r.lines).join('\n')
  const parts: Buffer[] = []
  for (const row of rows) {
    if (parts.length > 0) parts.push(NEWLINE)
    parts.push(typeof row.lines === 'string' ? Buffer.from(row.lines, 'utf8') : row.lines)
  }
  return parts
}

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

  /**
   * Posts `body` until InfluxDB accepts it (true), refuses points in it (its message), or we stop
   * (false). Network errors, 5xx and 429 are retried with backoff.
   */
  async function post(body: string | Buffer[], points: number): Promise<boolean | string> {
    for (let attempt = 0; !stopped; attempt++) {
      const started = Date.now()
      const outcome = await postLines(options, body)
      if (outcome.ok) {
        reachable = true
        lastError = undefined
        events.written?.(points, Date.now() - started)
        return true
      }
      reachable = outcome.status !== 0
      lastError = `${outcome.status || 'network'}: ${outcome.message}`
      if (!outcome.retry) return outcome.message
      if (/database not found/i.test(outcome.message)) await createDatabase(options).catch(() => undefined)
      events.failed?.(lastError)
      if (attempt % 10 === 0) logger.warn({ attempt, error: lastError }, 'InfluxDB write failed; retrying')
      await sleep(backoffMs(Math.min(attempt, 10)))
    }
    return false
  }

  /** Writes lines until InfluxDB accepted or quarantined every one of them (or we stop). */
  async function writeLines(lines: string[], sources: string[]): Promise<boolean> {
    const result = await post(lines.join('\n'), lines.length)
    return typeof result === 'string' ? await splitBadPoints(lines, sources, result) : result
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

  /** The rows' lines as one body; split into single points only when InfluxDB refuses some. */
  async function writeRows(rows: SpoolRow[]): Promise<void> {
    let points = 0
    for (const row of rows) points += row.count
    const body = joinRows(rows)
    let result = await post(body, points)
    if (typeof result === 'string') {
      const lines: string[] = []
      const sources: string[] = []
      for (const row of rows) {
        const text = typeof row.lines === 'string' ? row.lines : row.lines.toString('utf8')
        for (const line of row.count === 1 ? [text] : splitLines(text, row.count)) {
          lines.push(line)
          sources.push(row.source)
        }
      }
      result = await splitBadPoints(lines, sources, result)
    }
    if (result) spool.ack(rows.map((r) => r.id))
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
