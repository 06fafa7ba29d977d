/**
 * One body to InfluxDB, retried until it is settled: accepted, refused as bad (400/422, the
 * caller quarantines), or the writer stops. Network errors, 5xx, 429 and anything unexpected are
 * retried with exponential backoff + jitter; a v1 "database not found" creates the database first.
 */
import type { Logger } from 'pino'
import { createDatabase, type InfluxTarget, postLines } from './influx-http.js'
import type { WakeableTimers } from './wakeable-timers.js'

export interface WriterEvents {
  written?(points: number, ms: number): void
  quarantined?(points: number): void
  failed?(reason: string): void
}

/** The writer's shared state: stopping, and what health() reports. */
export interface WriterState {
  stopped: boolean
  reachable: boolean
  lastError?: string
}

export interface PostContext {
  target: InfluxTarget
  logger: Logger
  events: WriterEvents
  state: WriterState
  /** Backoff sleeps, ended early by stop(). */
  backoff: WakeableTimers
}

/** Backoff for attempt n: exponential from 100 ms to 10 s, full jitter. */
export const backoffMs = (attempt: number): number => Math.random() * Math.min(10_000, 100 * 2 ** attempt)

/**
 * Posts `body` until InfluxDB accepts it (true), refuses points in it (its message), or we stop
 * (false).
 */
export async function postUntilSettled(
  ctx: PostContext,
  body: string | Buffer[],
  points: number,
): Promise<boolean | string> {
  for (let attempt = 0; !ctx.state.stopped; attempt++) {
    const started = Date.now()
    const outcome = await postLines(ctx.target, body)
    if (outcome.ok) {
      ctx.state.reachable = true
      ctx.state.lastError = undefined
      ctx.events.written?.(points, Date.now() - started)
      return true
    }
    const error = `${outcome.status || 'network'}: ${outcome.message}`
    ctx.state.reachable = outcome.status !== 0
    ctx.state.lastError = error
    if (!outcome.retry) return outcome.message
    await beforeRetry(ctx, attempt, outcome.message, error)
  }
  return false
}

async function beforeRetry(ctx: PostContext, attempt: number, message: string, error: string): Promise<void> {
  if (/database not found/i.test(message)) await createDatabase(ctx.target).catch(() => undefined)
  ctx.events.failed?.(error)
  if (attempt % 10 === 0) ctx.logger.warn({ attempt, error }, 'InfluxDB write failed; retrying')
  await ctx.backoff.wait(backoffMs(Math.min(attempt, 10)))
}
