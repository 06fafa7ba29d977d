/**
 * One path for every message, whatever brought it (MQTT or HTTP): check it, then either make it
 * durable in the spool (the caller acknowledges only after that) or quarantine it and tell the
 * device why. Counters per sensor follow.
 */
import type { Logger } from 'pino'
import type { DeviceError } from '../../schemas/index.js'
import type { SensorDirectory } from '../directory/sensor-directory.js'
import type { IngestMetrics } from '../metrics.js'
import type { QcHistory } from '../qc/history.js'
import type { Quarantine } from '../quarantine/quarantine.js'
import { type GapRepair, heartbeatOf } from '../repair/gap-repair.js'
import type { Spool } from '../spool/spool.js'
import type { SensorStats } from '../stats/sensor-stats.js'
import { closeQuarantined } from '../stats/seq-ranges.js'
import type { Accepted, Checked, Expected, Rejected } from './check-message.js'
import { type Checker, inlineChecker } from './check-pool.js'

export interface PipelineDeps {
  directory: SensorDirectory
  spool: Spool
  quarantine: Quarantine
  stats: SensorStats
  metrics: IngestMetrics
  logger: Logger
  maxPayloadBytes: number
  /** Where messages are parsed and validated (check-pool.ts); default: on this thread. */
  checker?: Checker
  /** The series QC rules (spike, flatline, clock going back); none: only the reading rules run. */
  qc?: QcHistory
  /** Called after each durable append (wakes the InfluxDB writer). */
  onDurable?(): void
  /** Called for each accepted message (per-device gauges). */
  onAccepted?(expected: Expected, checked: Checked & { ok: true }): void
  /** Gap repair, told of every durable message of a sensor (and the heartbeat of a status). */
  repair?: Pick<GapRepair, 'noteMessage'>
}

export interface Pipeline {
  /** Resolves once an accepted message is durable, or once a rejected one is quarantined. */
  submit(expected: Expected, payload: Buffer | string, source: string, original?: Buffer | string): Promise<Checked>
  /**
   * Quarantines a message refused before the schema check (an intake's own format, e.g. an airrohr
   * body nothing of which can be stored), with the same counters and device error as any refusal.
   */
  refuse(expected: Expected, payload: Buffer | string, source: string, rejected: Rejected): void
  /** Where device errors go (set by the MQTT side; the HTTP side answers in its response). */
  setErrorPublisher(fn: (expected: Expected, error: DeviceError) => void): void
  counts(): { accepted: number; rejected: number; duplicates: number }
}

const rawText = (payload: Buffer | string): string => {
  if (typeof payload === 'string') return payload
  const text = payload.toString('utf8')
  // Keep binary garbage recoverable: base64 when the bytes are not valid UTF-8.
  return Buffer.from(text, 'utf8').equals(payload) ? text : `base64:${payload.toString('base64')}`
}

/** A pipeline's parts and running totals, shared by the steps below. */
interface PipelineState {
  deps: PipelineDeps
  checker: Checker
  totals: { accepted: number; rejected: number; duplicates: number }
  publishError?: (expected: Expected, error: DeviceError) => void
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const state: PipelineState = {
    deps,
    checker: deps.checker ?? inlineChecker(deps.maxPayloadBytes),
    totals: { accepted: 0, rejected: 0, duplicates: 0 },
  }
  return {
    submit: (expected, payload, source, original) => submit(state, expected, payload, source, original),
    refuse: (expected, payload, source, rejected) => quarantineRejected(state, expected, payload, source, rejected),
    setErrorPublisher(fn) {
      state.publishError = fn
    },
    counts: () => ({ ...state.totals }),
  }
}

async function submit(
  state: PipelineState,
  expected: Expected,
  payload: Buffer | string,
  source: string,
  original: Buffer | string | undefined,
): Promise<Checked> {
  const { deps } = state
  const checked = await state.checker.check(expected, payload, deps.directory.lookup(expected.sensor))
  if (!checked.ok) {
    quarantineRejected(state, expected, original ?? payload, source, checked)
    return checked
  }
  await deps.spool.append(withSeriesQc(deps.qc, checked, source))
  deps.onDurable?.()
  deps.onAccepted?.(expected, checked)
  countAccepted(state, expected.sensor, checked)
  return checked
}

/**
 * The spool entry of an accepted message: its points, plus a QC point for each reading the series
 * rules flag (history.ts). Synchronous and on this thread: the rules need the readings in order.
 */
function withSeriesQc(qc: QcHistory | undefined, checked: Accepted, source: string) {
  const extra = checked.qc && qc?.observe(checked.qc)
  if (!extra) return { lines: checked.lines, count: checked.count, source }
  const lines =
    typeof checked.lines === 'string'
      ? `${checked.lines}\n${extra.lines}`
      : Buffer.concat([checked.lines, Buffer.from(`\n${extra.lines}`)])
  return { lines, count: checked.count + extra.count, source }
}

/**
 * Per-sensor counters of a durable message: seen (a status), or readings, duplicates and gaps;
 * its seqs join the sensor's stored ranges, and gap repair hears from the sensor.
 */
function countAccepted(state: PipelineState, sensor: string, checked: Accepted): void {
  const { stats, metrics } = state.deps
  const { seqs } = checked
  stats.seqs.record(sensor, seqs)
  state.deps.repair?.noteMessage(sensor, checked.status && heartbeatOf(checked.status))
  if (seqs.length === 0) {
    stats.recordSeen(sensor)
    metrics.statuses.inc()
    return
  }
  let accepted = 0
  for (const seq of seqs) {
    const { duplicate, gap } = stats.recordReading(sensor, seq)
    if (duplicate) {
      state.totals.duplicates++
      metrics.duplicates.inc({ sensor })
    } else accepted++
    if (gap > 0) metrics.gaps.inc({ sensor }, gap)
  }
  state.totals.accepted += accepted
  if (accepted > 0) metrics.accepted.inc({ sensor }, accepted)
}

function quarantineRejected(
  state: PipelineState,
  expected: Expected,
  payload: Buffer | string,
  source: string,
  r: Rejected,
): void {
  const { quarantine, stats, metrics, logger } = state.deps
  quarantine.add({
    code: r.code,
    reason: r.reason,
    schema: r.schema,
    sensor: expected.sensor,
    borough: expected.borough,
    topic: source,
    raw: rawText(payload),
    size: typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length,
    ...(r.errors ? { errors: r.errors } : {}),
  })
  stats.recordRejected(expected.sensor)
  // The device marks these readings rejected and never sends them again: not a gap to repair.
  if (r.seq && r.code !== 'READING_UNKNOWN_SENSOR') closeQuarantined(stats.seqs, expected.sensor, r.seq)
  metrics.rejected.inc({ sensor: expected.sensor, code: r.code })
  state.totals.rejected++
  try {
    state.publishError?.(expected, deviceError(r, source))
  } catch (err) {
    logger.warn({ err, sensor: expected.sensor }, 'could not publish device error')
  }
}

/** What the device is told on its errors topic (bounded: a reason or topic may be long). */
function deviceError(r: Rejected, source: string): DeviceError {
  return {
    code: r.code,
    reason: r.reason.slice(0, 2000),
    schema: r.schema,
    topic: source.slice(0, 512),
    ...(r.seq ? { seq: r.seq } : {}),
    ...(r.errors ? { errors: r.errors.slice(0, 50) } : {}),
    time: new Date().toISOString(),
  }
}
