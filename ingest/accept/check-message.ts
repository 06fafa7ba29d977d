/**
 * Decides whether one message (MQTT or HTTP) is accepted, and turns it into line protocol:
 * size, JSON, the sensor known and not retired, the schema, and the payload's sensor, borough
 * and kind equal to the topic's (or the authenticated sensor's). Pure apart from the lookup.
 */

import type { ErrorCode } from '../../core/index.js'
import type { DeviceError, DeviceStatus, Reading, UpChannel } from '../../schemas/index.js'
import { type FieldError, SCHEMA_IDS, validateReadingMessage, validateStatus } from '../../schemas/index.js'
import type { SensorDirectory, SensorInfo } from '../directory/sensor-directory.js'
import { type QcBatch, QcBatchBuilder } from '../qc/batch.js'
import { readingQc } from '../qc/reading-rules.js'
import { readingToLine, statusToLine } from '../store/line-protocol.js'

export interface Expected {
  sensor: string
  borough: string
  channel: UpChannel
}

export type RejectCode = DeviceError['code']

export interface Accepted {
  ok: true
  /** Points, one per line: text, or its UTF-8 bytes when a check thread encoded it. */
  lines: string | Buffer
  count: number
  /** seq of each reading (empty for a status). */
  seqs: number[]
  suspect: number
  /** The reading interval, seconds (readings), for the device gauges. */
  interval?: number
  /** The heartbeat itself (status), for the device gauges and gap repair. */
  status?: DeviceStatus
  /** The readings as the series QC rules need them (ingest/qc/history.ts); absent for a status. */
  qc?: QcBatch
}

export interface Rejected {
  ok: false
  code: RejectCode
  reason: string
  schema: string
  errors?: FieldError[]
  seq?: number[]
}

export type Checked = Accepted | Rejected

export const REJECT_TO_INGEST_CODE: Record<RejectCode, ErrorCode> = {
  READING_INVALID: 'IOT_INGEST_INVALID',
  READING_NOT_JSON: 'IOT_INGEST_NOT_JSON',
  READING_TOPIC_MISMATCH: 'IOT_INGEST_TOPIC_MISMATCH',
  READING_UNKNOWN_SENSOR: 'IOT_INGEST_UNKNOWN_SENSOR',
  READING_TOO_LARGE: 'IOT_INGEST_TOO_LARGE',
}

function seqsOf(value: unknown): number[] | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const items = Array.isArray((value as { readings?: unknown }).readings)
    ? ((value as { readings: unknown[] }).readings as unknown[])
    : [value]
  const seqs = items
    .map((r) => (r && typeof r === 'object' ? (r as { seq?: unknown }).seq : undefined))
    .filter((s): s is number => Number.isSafeInteger(s) && (s as number) >= 0)
  return seqs.length > 0 ? seqs.slice(0, 500) : undefined
}

function reject(code: RejectCode, reason: string, schema: string, extra: Partial<Rejected> = {}): Rejected {
  return { ok: false, code, reason, schema, ...extra }
}

export function checkMessage(
  expected: Expected,
  payload: Buffer | string,
  deps: { directory: Pick<SensorDirectory, 'lookup'>; maxPayloadBytes: number; now?: number },
): Checked {
  const schema = expected.channel === 'status' ? SCHEMA_IDS.status : SCHEMA_IDS.reading
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length
  if (size > deps.maxPayloadBytes) {
    return reject('READING_TOO_LARGE', `message of ${size} bytes exceeds ${deps.maxPayloadBytes}`, schema)
  }
  let value: unknown
  try {
    value = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'))
  } catch (err) {
    return reject('READING_NOT_JSON', `not JSON: ${(err as Error).message}`, schema)
  }
  const refused = refuseSensor(expected, deps.directory.lookup(expected.sensor), schema, value)
  if (refused) return refused
  return expected.channel === 'status' ? checkStatus(expected, value, schema) : checkReadings(expected, value, deps.now)
}

/** The sensor registered, not retired, and in the topic's borough; else the refusal. */
function refuseSensor(
  expected: Expected,
  info: SensorInfo | undefined,
  schema: string,
  value: unknown,
): Rejected | undefined {
  if (info && info.status !== 'retired' && info.borough === expected.borough) return undefined
  // Only a refusal carries the seqs (for the device's error message): computed on that path only.
  const extra = { seq: seqsOf(value) }
  const { sensor, borough } = expected
  if (!info) return reject('READING_UNKNOWN_SENSOR', `sensor ${sensor} is not registered`, schema, extra)
  if (info.status === 'retired') return reject('READING_UNKNOWN_SENSOR', `sensor ${sensor} is retired`, schema, extra)
  const why = `sensor ${sensor} is registered in ${info.borough}, not ${borough}`
  return reject('READING_TOPIC_MISMATCH', why, schema, extra)
}

function checkStatus(expected: Expected, value: unknown, schema: string): Checked {
  const result = validateStatus(value)
  if (!result.ok)
    return reject('READING_INVALID', 'status does not match the schema', schema, { errors: result.errors })
  const s = result.value
  if (s.sensor !== expected.sensor || s.borough !== expected.borough) {
    return reject('READING_TOPIC_MISMATCH', 'status sensor/borough differ from the topic', schema, {
      errors: mismatchErrors(s, expected, ''),
    })
  }
  return { ok: true, lines: statusToLine(s), count: 1, seqs: [], suspect: 0, status: s }
}

/** A reading or a batch: the schema, each reading equal to its topic, then line protocol. */
function checkReadings(expected: Expected, value: unknown, now: number | undefined): Checked {
  const batch = value !== null && typeof value === 'object' && 'readings' in value
  const schema = batch ? SCHEMA_IDS.batch : SCHEMA_IDS.reading
  const result = validateReadingMessage(value, now)
  if (!result.ok) {
    return reject('READING_INVALID', `${batch ? 'batch' : 'reading'} does not match the schema`, schema, {
      errors: result.errors,
      seq: seqsOf(value),
    })
  }
  const lines: string[] = []
  const seqs: number[] = []
  let suspect = 0
  const receivedAt = now ?? Date.now()
  const qc = new QcBatchBuilder(expected.channel === 'traffic' ? 'traffic' : 'air', result.value.length)
  for (const [i, r] of result.value.entries()) {
    const errors = readingMismatch(r, expected, batch ? `/readings/${i}` : '')
    if (errors.length > 0) {
      return reject('READING_TOPIC_MISMATCH', 'reading differs from its topic', schema, { errors, seq: seqsOf(value) })
    }
    const timeMs = Date.parse(r.time)
    const verdict = readingQc(r, receivedAt, timeMs)
    if (verdict.fail.length > 0) suspect++
    const line = readingToLine(r, verdict, timeMs)
    lines.push(line)
    qc.add(r, timeMs, line, verdict)
    seqs.push(r.seq)
  }
  return {
    ok: true,
    lines: lines.join('\n'),
    count: lines.length,
    seqs,
    suspect,
    interval: result.value.at(-1)?.interval,
    qc: qc.build(),
  }
}

/** A reading's sensor, borough and kind against the topic's. */
function readingMismatch(r: Reading, expected: Expected, where: string): FieldError[] {
  const errors = mismatchErrors(r, expected, where)
  if (r.kind !== expected.channel) errors.push(topicError(where, 'kind', 'channel', expected.channel))
  return errors
}

function mismatchErrors(v: { sensor: string; borough: string }, expected: Expected, where: string): FieldError[] {
  const errors: FieldError[] = []
  if (v.sensor !== expected.sensor) errors.push(topicError(where, 'sensor', 'sensor', expected.sensor))
  if (v.borough !== expected.borough) errors.push(topicError(where, 'borough', 'borough', expected.borough))
  return errors
}

const topicError = (where: string, field: string, part: string, value: string): FieldError => ({
  path: `${where}/${field}`,
  message: `must equal the topic's ${part} ${value}`,
  keyword: 'topic',
})

/** A message for a check thread (check-thread.ts). */
export interface CheckJob {
  expected: Expected
  payload: Uint8Array | string
  /** The sensor's registry entry, looked up on the main thread (the registry lives there). */
  info: SensorInfo | undefined
}

/** checkMessage with the sensor's registry entry already looked up (a check thread has no registry). */
export function checkWithEntry(
  expected: Expected,
  payload: Buffer | string,
  info: SensorInfo | undefined,
  maxPayloadBytes: number,
): Checked {
  return checkMessage(expected, payload, { directory: { lookup: () => info }, maxPayloadBytes })
}
