/** What the `streetsense edge` subcommands share: one way of reporting a failure (exit code 2). */
import type { StreetsenseError } from '../../../core/index.js'

/** Runs a subcommand's action; an error is printed (with its code, if it has one) and exits 2. */
export function edgeAction<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args)
    } catch (err) {
      const e = err as StreetsenseError
      console.error(e.code ? `${e.code}: ${e.message}` : String((err as Error)?.message ?? err))
      process.exitCode = 2
    }
  }
}
