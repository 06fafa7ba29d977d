/**
 * mqemitter dispatches a queued message, and when nobody matches its topic it completes
 * synchronously and dispatches the next one from inside the same call. With a backlog of
 * thousands of messages whose only subscriber has just gone, that chain overflows the stack
 * (`RangeError: Maximum call stack size exceeded`: bench/broker/overload.ts crashes plain Aedes 1.2
 * this way, see docs/benchmarks.md, and crashed our broker too with the backlog bounded at 10,000).
 * Completing the no-subscriber case on the next tick breaks the chain without reordering anything:
 * the queue still advances one message at a time.
 */
type Parallel = (that: unknown, matches: unknown[], message: unknown, done: unknown) => unknown

export function guardEmitterStack(mq: { _parallel?: Parallel }): boolean {
  const parallel = mq._parallel
  if (typeof parallel !== 'function') return false
  mq._parallel = function (this: unknown, that, matches, message, done) {
    if (matches.length > 0) return parallel.call(this, that, matches, message, done)
    setImmediate(() => parallel.call(this, that, matches, message, done))
    return undefined
  }
  return true
}
