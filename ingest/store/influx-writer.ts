/**
 * Drains the spool into InfluxDB. v1 API (`/write?db=&rp=&precision=ms`) or v2 API
 * (`/api/v2/write?org=&bucket=&precision=ms` with a token), chosen by the settings. Rows leave
 * the spool only when InfluxDB accepted them (204), or when InfluxDB refused a point as bad
 * (400/422): those points go to the quarantine with InfluxDB's message and the rest is written
 * (refused-points.ts). Everything else is retried with backoff (influx-post.ts).
 */
import type { Logger } from 'pino'
import type { IngestConfig } from '../config.js'
import type { Quarantine } from '../quarantine/quarantine.js'
import type { Spool, SpoolRow } from '../spool/spool.js'
import type { InfluxTarget } from './influx-http.js'
import { postUntilSettled, type WriterEvents } from './influx-post.js'
import { pointsOfRows, type RefusalContext, splitBadPoints } from './refused-points.js'
import { WakeableTimers } from './wakeable-timers.js'

export type { WriterEvents } from './influx-post.js'

export type WriterOptions = InfluxTarget & Pick<IngestConfig, 'batchSize' | 'flushIntervalMs' | 'writeConcurrency'>

export interface InfluxWriter {
  /** Wakes the writer (new rows in the spool). */
  notify(): void
  /** Whether the last attempt reached InfluxDB, and its last error. */
  health(): { reachable: boolean; lastError?: string }
  /** Resolves when every write begun before the call has finished (erasure waits for it). */
  settle(): Promise<void>
  /** Stops after the writes in progress; rows not written stay in the spool. */
  stop(): Promise<void>
}

interface WriterContext extends RefusalContext {
  options: WriterOptions
  spool: Spool
  /** Loops waiting for rows, woken by notify() and stop(). */
  idle: WakeableTimers
  /** Drops lines that must not be written (erased data), if given. */
  erased?: LineFilter
  /** Writes under way. */
  writing: Set<Promise<void>>
}

/** What the writer asks before each write: the rows as they may be written. */
export interface LineFilter {
  filter(rows: readonly SpoolRow[]): SpoolRow[]
}

export function startInfluxWriter(
  options: WriterOptions,
  deps: { spool: Spool; quarantine: Quarantine; logger: Logger; events?: WriterEvents; erased?: LineFilter },
): InfluxWriter {
  const { spool, logger } = deps
  const ctx: WriterContext = {
    options,
    target: options,
    spool,
    quarantine: deps.quarantine,
    logger,
    events: deps.events ?? {},
    state: { stopped: false, reachable: true },
    backoff: new WakeableTimers(),
    idle: new WakeableTimers(),
    erased: deps.erased,
    writing: new Set(),
  }
  const loops = Array.from({ length: options.writeConcurrency }, () =>
    drain(ctx).catch((err: Error) => logger.error({ err }, 'InfluxDB writer stopped unexpectedly')),
  )
  return {
    notify() {
      if (ctx.idle.size > 0 && spool.depth() - spool.inFlight() >= options.batchSize) ctx.idle.wakeAll()
    },
    health: () => ({
      reachable: ctx.state.reachable,
      ...(ctx.state.lastError ? { lastError: ctx.state.lastError } : {}),
    }),
    settle: () => Promise.allSettled([...ctx.writing]).then(() => undefined),
    async stop() {
      ctx.state.stopped = true
      ctx.idle.wakeAll()
      ctx.backoff.wakeAll()
      await Promise.all(loops)
    },
  }
}

/** One writer loop: takes a batch from the spool, writes it, until stopped. */
async function drain(ctx: WriterContext): Promise<void> {
  const { spool, options } = ctx
  while (!ctx.state.stopped) {
    // A partial batch waits up to flushIntervalMs for company; a full one goes at once.
    const waiting = spool.depth() - spool.inFlight()
    if (waiting <= 0) {
      await ctx.idle.wait(options.flushIntervalMs)
      continue
    }
    if (waiting < options.batchSize) {
      const age = spool.oldestAgeMs()
      if (age < options.flushIntervalMs) await ctx.idle.wait(options.flushIntervalMs - age)
    }
    const rows = spool.take(options.batchSize)
    if (rows.length === 0) continue
    const write = writeRows(ctx, rows)
    ctx.writing.add(write)
    await write.finally(() => ctx.writing.delete(write))
  }
}

/**
 * The rows' lines as one body (less any erased lines); split into single points only when
 * InfluxDB refuses some. Rows are acked as taken, whatever the filter left of them.
 */
async function writeRows(ctx: WriterContext, rows: SpoolRow[]): Promise<void> {
  const sending = ctx.erased ? ctx.erased.filter(rows) : rows
  let points = 0
  for (const row of sending) points += row.count
  let result: boolean | string = sending.length === 0 || (await postUntilSettled(ctx, joinRows(sending), points))
  if (typeof result === 'string') {
    const { lines, sources } = pointsOfRows(sending)
    result = await splitBadPoints(ctx, lines, sources, result)
  }
  if (result) ctx.spool.ack(rows.map((r) => r.id))
  else ctx.spool.release(rows.map((r) => r.id))
}

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
