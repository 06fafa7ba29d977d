/**
 * Overload guard. Plain Aedes keeps reading from QoS 0 publishers while its emitter (mqemitter)
 * queues deliveries without limit for a subscriber that cannot keep up; in our measurements it
 * grew to 1.75 M queued messages and then crashed with a stack overflow when the subscriber left
 * (bench/broker/overload.ts reproduces the crash; docs/broker.md, "Overload"). Here every PUBLISH
 * passes `admit()` (from authorizePublish): while the emitter's backlog is above `maxQueued`, the
 * publish callback is held, so Aedes stops reading from that publisher's socket and TCP pushes
 * back on the device. Held publishes are released once the backlog is below half the limit.
 * Nothing is dropped; publishers are slowed down.
 */
export interface Backlog {
  /** mqemitter's queued (not yet dispatched) messages. */
  readonly length: number
}

export interface OverloadGuardEvents {
  onPause(): void
  onResume(heldMs: number): void
}

export class OverloadGuard {
  private held: (() => void)[] = []
  private timer: NodeJS.Timeout | undefined
  private pausedAt = 0

  constructor(
    private readonly backlog: Backlog,
    private readonly maxQueued: number,
    private readonly events: OverloadGuardEvents,
  ) {}

  get heldCount(): number {
    return this.held.length
  }

  get paused(): boolean {
    return this.timer !== undefined
  }

  admit(go: () => void): void {
    if (this.timer === undefined && this.backlog.length < this.maxQueued) {
      go()
      return
    }
    this.held.push(go)
    if (this.timer === undefined) {
      this.pausedAt = Date.now()
      this.events.onPause()
      this.timer = setInterval(() => this.poll(), 5)
      this.timer.unref()
    }
  }

  private poll(): void {
    if (this.backlog.length > this.maxQueued / 2) return
    clearInterval(this.timer)
    this.timer = undefined
    const held = this.held
    this.held = []
    this.events.onResume(Date.now() - this.pausedAt)
    for (const go of held) go()
  }

  /** Lets everything through (shutdown). */
  releaseAll(): void {
    clearInterval(this.timer)
    this.timer = undefined
    const held = this.held
    this.held = []
    for (const go of held) go()
  }
}
