/**
 * Small in-memory limiters keyed by address, username or device; idle keys are swept. The broker
 * uses them for connections, logins and publishes, the ingest for HTTP intake per device.
 */

/** Token bucket: `take()` says how long to wait (ms) before the next event may proceed. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes one token; returns 0 when it was available, else the delay until it will be. */
  take(key: string, now = Date.now()): number {
    if (this.ratePerSecond <= 0) return 0
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond)
    b.at = now
    b.tokens -= 1 // may go negative: the debt is paid by waiting
    this.buckets.set(key, b)
    return b.tokens >= 0 ? 0 : Math.ceil((-b.tokens / this.ratePerSecond) * 1000)
  }

  /**
   * Takes one token only if one is there (for callers that refuse rather than wait, so a client
   * that keeps retrying too early runs up no debt); returns 0 when taken, else the wait in ms.
   */
  tryTake(key: string, now = Date.now()): number {
    if (this.ratePerSecond <= 0) return 0
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond)
    b.at = now
    this.buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - b.tokens) / this.ratePerSecond) * 1000)
  }

  sweep(now = Date.now()): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.ratePerSecond >= this.burst) this.buckets.delete(key)
    }
  }
}

/** Counts events per key in a sliding window (two fixed buckets, weighted). */
export class WindowCounter {
  private readonly counts = new Map<string, { window: number; current: number; previous: number }>()

  constructor(private readonly windowMs: number) {}

  private entry(key: string, now: number) {
    const window = Math.floor(now / this.windowMs)
    let e = this.counts.get(key)
    if (!e) {
      e = { window, current: 0, previous: 0 }
      this.counts.set(key, e)
    } else if (e.window !== window) {
      e.previous = e.window === window - 1 ? e.current : 0
      e.current = 0
      e.window = window
    }
    return e
  }

  /** Estimated events in the last window (including those already added). */
  count(key: string, now = Date.now()): number {
    if (!this.counts.has(key)) return 0
    const e = this.entry(key, now)
    const elapsed = (now % this.windowMs) / this.windowMs
    return e.current + e.previous * (1 - elapsed)
  }

  add(key: string, now = Date.now()): number {
    this.entry(key, now).current++
    return this.count(key, now)
  }

  delete(key: string): void {
    this.counts.delete(key)
  }

  sweep(now = Date.now()): void {
    const window = Math.floor(now / this.windowMs)
    for (const [key, e] of this.counts) if (e.window < window - 1) this.counts.delete(key)
  }
}
