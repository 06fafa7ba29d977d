/** Unit tests of the in-memory limiters (one module each, no broker). */
import { describe, expect, it, vi } from 'vitest'
import { guardEmitterStack } from '../../broker/limits/emitter-stack-guard.js'
import { ADDRESS_FACTOR, LoginThrottle } from '../../broker/limits/login-throttle.js'
import { OverloadGuard } from '../../broker/limits/overload-guard.js'
import { TokenBuckets, WindowCounter } from '../../core/rate-limiters.js'
import { waitFor } from '../helpers/ports.js'

describe('OverloadGuard', () => {
  it('holds publishes while the backlog is high and releases them in order below half', () => {
    // Fake timers: the guard polls the backlog every 5 ms; the test moves the clock itself.
    vi.useFakeTimers()
    try {
      holdAndRelease()
    } finally {
      vi.useRealTimers()
    }
  })

  function holdAndRelease(): void {
    const backlog = { length: 0 }
    let pauses = 0
    let resumes = 0
    const guard = new OverloadGuard(backlog, 100, { onPause: () => pauses++, onResume: () => resumes++ })
    const done: number[] = []
    guard.admit(() => done.push(1))
    expect(done).toEqual([1])
    backlog.length = 150
    guard.admit(() => done.push(2))
    guard.admit(() => done.push(3))
    expect(done).toEqual([1])
    expect(guard.paused).toBe(true)
    backlog.length = 60 // still above half
    vi.advanceTimersByTime(50) // ten polls
    expect(done).toEqual([1])
    backlog.length = 10
    guard.admit(() => done.push(4)) // still paused: queued behind the others
    vi.advanceTimersByTime(5) // the next poll
    expect(done).toEqual([1, 2, 3, 4])
    expect([pauses, resumes, guard.paused]).toEqual([1, 1, false])
  }
})

describe('rate limiters', () => {
  it('token bucket: burst free, then a delay proportional to the debt', () => {
    const buckets = new TokenBuckets(10, 3)
    const t = 1_000_000
    expect([buckets.take('d', t), buckets.take('d', t), buckets.take('d', t)]).toEqual([0, 0, 0])
    expect(buckets.take('d', t)).toBe(100)
    expect(buckets.take('d', t)).toBe(200)
    expect(buckets.take('other', t)).toBe(0)
    expect(buckets.take('d', t + 1000)).toBe(0) // refilled
    expect(new TokenBuckets(0, 1).take('x')).toBe(0) // 0 = no limit
  })

  it('window counter slides over two windows', () => {
    const w = new WindowCounter(60_000)
    const t = 60_000 * 100
    for (let i = 0; i < 10; i++) w.add('a', t)
    expect(w.count('a', t + 59_000)).toBe(10)
    expect(w.count('a', t + 90_000)).toBeCloseTo(5, 5) // half of the previous window still counts
    expect(w.count('a', t + 130_000)).toBe(0)
  })

  it('login throttle: a username locked per address, a whole address only when it tries many; username lock only for addresses that failed', () => {
    const throttle = new LoginThrottle(3, 300)
    for (let i = 0; i < 3; i++) throttle.recordFailure('10.0.0.1', 'cam-1')
    expect(throttle.isThrottled('10.0.0.1', 'cam-1')).toBe(true)
    // A neighbour behind the same NAT still gets in: one bad device does not lock out an address.
    expect(throttle.isThrottled('10.0.0.1', 'cam-7')).toBe(false)
    expect(throttle.isThrottled('10.0.0.2', 'cam-1')).toBe(false) // the real device elsewhere
    // Many usernames tried from one address: the whole address is refused.
    for (let i = 0; i < 3 * ADDRESS_FACTOR - 3; i++) throttle.recordFailure('10.0.0.1', `guess-${i}`)
    expect(throttle.isThrottled('10.0.0.1', 'cam-7')).toBe(true)
    expect(throttle.isThrottled('10.0.0.1', undefined)).toBe(true)
    throttle.recordFailure('10.0.0.3', 'cam-2')
    throttle.recordFailure('10.0.0.4', 'cam-2')
    throttle.recordFailure('10.0.0.5', 'cam-2')
    expect(throttle.isThrottled('10.0.0.3', 'cam-2')).toBe(true)
    expect(throttle.isThrottled('10.0.0.9', 'cam-2')).toBe(false)
  })
})

describe('emitter stack guard (real mqemitter)', () => {
  async function drainWithoutSubscriber(guarded: boolean): Promise<number> {
    // mqemitter is Aedes' own emitter (installed with aedes)
    const { default: mqemitter } = await import('mqemitter')
    const mq = mqemitter({ concurrency: 1 })
    if (guarded) expect(guardEmitterStack(mq as never)).toBe(true)
    let release: (() => void) | undefined
    const hold = (_msg: unknown, cb: () => void) => {
      release ??= cb
    }
    mq.on('t', hold)
    for (let i = 0; i < 50_000; i++) mq.emit({ topic: 't' })
    await new Promise<void>((r) => mq.removeListener('t', hold, () => r()))
    release?.() // the subscriber leaves with 49,999 messages queued
    const queued = () => (mq as unknown as { length: number }).length
    await waitFor(() => queued() === 0, 20_000, 'drain')
    return queued()
  }

  it('plain mqemitter overflows the stack; guarded it drains the backlog', async () => {
    await expect(drainWithoutSubscriber(false)).rejects.toThrow(/call stack/)
    expect(await drainWithoutSubscriber(true)).toBe(0)
  })
})
