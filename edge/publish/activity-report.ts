/**
 * What a running agent tells its operator at info level, without flooding the journal: one line
 * per reporting period (a minute, or the publish interval when that is longer) with the readings
 * taken and delivered (acknowledged by the broker) since the last line and what waits in the
 * outbox; and one line per heartbeat.
 */
import type { Logger } from 'pino'
import type { Outbox } from './outbox.js'

export class ActivityReport {
  readonly everyMs: number
  private taken = 0
  private delivered = 0
  private deliveredEver = 0

  constructor(
    private readonly log: Logger,
    private readonly outbox: Outbox,
    private readonly connected: () => boolean,
    intervalSeconds: number,
  ) {
    this.everyMs = Math.max(60, intervalSeconds) * 1000
  }

  /** Readings the broker acknowledged; the very first is worth a line of its own. */
  noteDelivered(seqs: number[]): void {
    if (this.deliveredEver === 0 && seqs.length > 0) {
      this.log.info({ seq: seqs[0] }, 'first reading delivered to the broker')
    }
    this.delivered += seqs.length
    this.deliveredEver += seqs.length
  }

  /** Readings closed into the outbox. */
  noteTaken(n: number): void {
    this.taken += n
  }

  /** The period's line: taken, delivered, waiting, and whether the broker is connected. */
  report(): void {
    const { delivered } = this
    const waiting = this.outbox.depth()
    const period = this.everyMs === 60_000 ? 'minute' : `${this.everyMs / 1000} s`
    const connected = this.connected()
    this.log.info(
      { taken: this.taken, delivered, waiting, lastSeq: this.outbox.counters().lastSeq, connected },
      `readings in the last ${period}: ${this.taken} taken, ${delivered} delivered to the broker, ${waiting} waiting${connected ? '' : ' (not connected)'}`,
    )
    this.taken = 0
    this.delivered = 0
  }

  /** A heartbeat went out (or could not: the broker is not connected). */
  heartbeat(status: { outbox_depth: number; clock_synced: boolean; uptime: number }): void {
    if (!this.connected()) return void this.log.info('heartbeat not sent: not connected to the broker')
    this.log.info(
      { outbox: status.outbox_depth, clockSynced: status.clock_synced, uptime: status.uptime },
      'heartbeat sent',
    )
  }
}
