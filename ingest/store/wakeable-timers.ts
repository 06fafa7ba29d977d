/**
 * Timers that can all be ended early at once: the writer's idle waits (woken by new rows or by
 * stop) and its backoff sleeps (ended by stop, so a stop never waits out a backoff).
 */
export class WakeableTimers {
  private readonly finishers = new Set<() => void>()

  /** Timers running now. */
  get size(): number {
    return this.finishers.size
  }

  /** Resolves after `ms`, or sooner when wakeAll() is called. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer)
        this.finishers.delete(finish)
        resolve()
      }
      const timer = setTimeout(finish, ms)
      this.finishers.add(finish)
    })
  }

  wakeAll(): void {
    for (const finish of [...this.finishers]) finish()
  }
}
