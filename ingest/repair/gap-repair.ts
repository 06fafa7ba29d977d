/**
 * Gap repair: the broker can lose readings it already acknowledged to a device (Aedes PUBACKs
 * before it stores; a kill -9 loses its queues), so the ingest looks for holes in each sensor's
 * seq ranges (and for a missing tail, from the heartbeat's last_seq) and asks the device, which
 * keeps acknowledged readings for a while (edge/publish/outbox.ts), to send them again.
 *
 * Each tick: missing ranges -> gaps (gap-records.ts). A gap still there after the grace period
 * is opened and a `resend` requested; then again after a backoff (doubling), at most maxAttempts
 * times. A request counts only when the device can hear it: after the first, the next goes only
 * once the device has been heard from since the last (an offline device gets its queued command
 * when it reconnects); and none goes while the gap is shrinking (the device is answering). A gap that cannot be repaired is closed with the reason, never dropped:
 * below the node's resendable_from (evicted at the edge), the device retired or gone from the
 * register, or every attempt answered without the readings.
 */
import type { Logger } from 'pino'
import type { DeviceStatus } from '../../schemas/index.js'
import type { SensorDirectory } from '../directory/sensor-directory.js'
import type { IngestMetrics } from '../metrics.js'
import { type CloseReason, FIRST_SEQ, missingRanges, type SensorSeqs, type SeqRanges } from '../stats/seq-ranges.js'
import { type Gap, reconcile } from './gap-records.js'

/** The ingest's way to ask a device for readings again (see resend-requester.ts). */
export interface ResendRequester {
  /** Sends `resend from..to` to the device; false when it cannot be sent now (tried again later). */
  requestResend(sensor: string, borough: string, from: number, to: number): boolean
}

/** What a status heartbeat says about the node's numbering and its resend window. */
export interface Heartbeat {
  lastSeq?: number
  resendableFrom?: number
  outboxDepth: number
}

export function heartbeatOf(status: Pick<DeviceStatus, 'last_seq' | 'resendable_from' | 'outbox_depth'>): Heartbeat {
  return { lastSeq: status.last_seq, resendableFrom: status.resendable_from, outboxDepth: status.outbox_depth }
}

export interface GapRepairOptions {
  graceMs: number
  backoffMs: number
  maxBackoffMs: number
  maxAttempts: number
  tickMs: number
}

export interface GapRepairDeps {
  seqs: SeqRanges
  directory: Pick<SensorDirectory, 'lookup'>
  requester: ResendRequester
  metrics: IngestMetrics
  logger: Logger
  options: GapRepairOptions
  now?: () => number
}

const GIVE_UP_REASONS: CloseReason[] = ['evicted_at_edge', 'device_retired', 'attempts_exhausted']

/** Requests sent per tick; the rest wait for the next (a broker crash opens a gap on every sensor). */
const MAX_REQUESTS_PER_TICK = 200

interface Device {
  lastSeenMs: number
  heartbeat?: Heartbeat
}

export class GapRepair {
  private readonly gaps = new Map<string, Gap[]>()
  private readonly devices = new Map<string, Device>()
  private readonly now: () => number
  private timer: NodeJS.Timeout | undefined
  private budget = 0

  constructor(private readonly deps: GapRepairDeps) {
    this.now = deps.now ?? Date.now
    // Every reason exported at 0 from the start, so the first loss is an increase an alert sees.
    for (const reason of GIVE_UP_REASONS) {
      deps.metrics.gapsUnrecoverable.inc({ reason }, 0)
      deps.metrics.readingsUnrecoverable.inc({ reason }, 0)
    }
  }

  /** Every durable message of a sensor; a status brings its heartbeat. */
  noteMessage(sensor: string, heartbeat?: Heartbeat): void {
    const d = this.devices.get(sensor)
    const now = this.now()
    if (d) {
      d.lastSeenMs = now
      if (heartbeat) d.heartbeat = heartbeat
    } else this.devices.set(sensor, { lastSeenMs: now, heartbeat })
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.deps.options.tickMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }

  tick(): void {
    this.budget = MAX_REQUESTS_PER_TICK
    let waiting = 0
    let repairing = 0
    for (const [sensor, s] of this.deps.seqs.entries()) {
      for (const g of this.follow(sensor, s)) {
        if (this.budget > 0 && g.nextAt <= this.now()) this.act(sensor, g)
        if (g.missing > 0) g.openedAt === undefined ? waiting++ : repairing++
      }
    }
    this.deps.metrics.gapsOpen.set({ state: 'grace' }, waiting)
    this.deps.metrics.gapsOpen.set({ state: 'repairing' }, repairing)
  }

  /** The sensor's gaps after this tick's reconcile; counts what was repaired. */
  private follow(sensor: string, s: SensorSeqs): Gap[] {
    const known = this.gaps.get(sensor) ?? []
    // A known gap stays known while a heartbeat hides the tail (a node serving a resend has a backlog).
    const top = Math.max(this.upperBound(sensor, s) ?? 0, ...known.map((g) => g.last)) || undefined
    const missing = top === undefined ? [] : missingRanges(s, Math.max(FIRST_SEQ, s.floor), top)
    if (known.length === 0 && missing.length === 0) return known
    const now = this.now()
    const r = reconcile(known, missing, now, this.deps.options.graceMs)
    const { metrics, logger } = this.deps
    metrics.readingsRecovered.inc(r.recovered)
    for (const g of r.repaired) {
      metrics.gapsRepaired.inc()
      metrics.repairSeconds.observe((now - g.noticedAt) / 1000)
      logger.info({ sensor, first: g.first, last: g.last, attempts: g.attempts }, 'gap repaired')
    }
    if (r.gaps.length > 0) this.gaps.set(sensor, r.gaps)
    else this.gaps.delete(sensor)
    return r.gaps
  }

  /** The newest seq the sensor is known to have produced and had acknowledged. */
  private upperBound(sensor: string, s: SensorSeqs): number | undefined {
    const hb = this.devices.get(sensor)?.heartbeat
    // Readings still in the node's outbox are not missing: the heartbeat's tail counts only when it is empty.
    const tail = hb && hb.outboxDepth === 0 ? hb.lastSeq : undefined
    const tops = [s.stored.max, s.closed.max, tail].filter((n): n is number => n !== undefined)
    return tops.length > 0 ? Math.max(...tops) : undefined
  }

  /** A gap whose wait is over: close what cannot be had, or ask the device (again). */
  private act(sensor: string, g: Gap): void {
    if (g.openedAt === undefined) {
      g.openedAt = this.now()
      this.deps.metrics.gapsOpened.inc()
    }
    const info = this.deps.directory.lookup(sensor)
    if (!info || info.status === 'retired') {
      this.close(sensor, g, g.last, 'device_retired')
      return
    }
    const device = this.devices.get(sensor)
    const from = device?.heartbeat?.resendableFrom
    if (from !== undefined && g.first < from) this.close(sensor, g, Math.min(g.last, from - 1), 'evicted_at_edge')
    const heard = g.lastRequestAt === undefined || (device?.lastSeenMs ?? 0) > g.lastRequestAt
    // Not heard from since the last request: it waits at the broker; ask again once the device is back.
    if (g.missing === 0 || !heard) return
    if (g.missingAtRequest !== undefined && g.missing < g.missingAtRequest) {
      // The device is answering (a long range takes a while): wait, asking again would resend twice.
      g.missingAtRequest = g.missing
      g.nextAt = this.now() + this.deps.options.backoffMs
      return
    }
    if (g.attempts >= this.deps.options.maxAttempts) {
      this.close(sensor, g, g.last, 'attempts_exhausted')
      return
    }
    if (this.deps.requester.requestResend(sensor, info.borough, g.first, g.last)) this.requested(g)
  }

  private requested(g: Gap): void {
    const now = this.now()
    const { backoffMs, maxBackoffMs } = this.deps.options
    this.budget--
    g.attempts++
    g.lastRequestAt = now
    g.missingAtRequest = g.missing
    g.nextAt = now + Math.min(maxBackoffMs, backoffMs * 2 ** (g.attempts - 1))
    this.deps.metrics.resendRequests.inc()
  }

  /** Gives up g.first..upTo: closed with the reason, logged and counted; g keeps the rest. */
  private close(sensor: string, g: Gap, upTo: number, reason: CloseReason): void {
    const closed = this.deps.seqs.close(sensor, g.first, upTo, reason)
    g.missing -= closed.missing
    g.first = upTo + 1
    const { metrics, logger } = this.deps
    metrics.gapsUnrecoverable.inc({ reason })
    metrics.readingsUnrecoverable.inc({ reason }, closed.missing)
    logger.warn({ sensor, first: closed.first, last: upTo, missing: closed.missing, reason }, 'gap unrecoverable')
    if (g.missing <= 0 || g.first > g.last) {
      g.missing = 0
      const left = (this.gaps.get(sensor) ?? []).filter((x) => x !== g)
      if (left.length > 0) this.gaps.set(sensor, left)
      else this.gaps.delete(sensor)
    }
  }
}
