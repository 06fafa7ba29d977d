/**
 * What a check hands to the history rules (history.ts) for one message: per reading its time,
 * seq, interval, InfluxDB series and values, packed into one Float64Array so that a check thread
 * transfers it instead of cloning an object per reading; plus the reading rules' verdict for the
 * few readings that have one.
 */
import type { Reading } from '../../schemas/index.js'
import { AIR_QC_FIELDS } from './catalogue.js'
import type { QcVerdict } from './reading-rules.js'

/** Time (ms), seq, interval (s), index into `keys`, then (air) one value per AIR_QC_FIELDS, NaN when absent. */
export const ROW_HEAD = 4

export interface QcBatch {
  kind: 'air' | 'traffic'
  rows: Float64Array
  /** InfluxDB series keys (measurement and tags) of the readings. */
  keys: string[]
  /** Index of a reading -> the reading rules' [flags, fail], comma-joined, when there are any. */
  marked?: Record<number, [string, string]>
}

export const rowStride = (kind: QcBatch['kind']): number => ROW_HEAD + (kind === 'air' ? AIR_QC_FIELDS.length : 0)

export class QcBatchBuilder {
  private readonly rows: Float64Array
  private readonly keys: string[] = []
  private marked: Record<number, [string, string]> | undefined
  private readonly stride: number
  private n = 0

  constructor(
    private readonly kind: QcBatch['kind'],
    size: number,
  ) {
    this.stride = rowStride(kind)
    this.rows = new Float64Array(size * this.stride)
  }

  /** Adds a reading; `line` is its line protocol (the series key is what comes before the first space). */
  add(reading: Reading, timeMs: number, line: string, verdict: QcVerdict): void {
    const key = line.slice(0, line.indexOf(' '))
    let k = this.keys.length - 1
    if (k < 0 || this.keys[k] !== key) k = this.keys.push(key) - 1
    const at = this.n * this.stride
    this.rows[at] = timeMs
    this.rows[at + 1] = reading.seq
    this.rows[at + 2] = reading.interval
    this.rows[at + 3] = k
    if (this.kind === 'air') {
      const values = reading.values as Record<string, number | undefined>
      for (let i = 0; i < AIR_QC_FIELDS.length; i++)
        this.rows[at + ROW_HEAD + i] = values[AIR_QC_FIELDS[i]!] ?? Number.NaN
    }
    if (verdict.flags.length > 0) {
      this.marked ??= {}
      this.marked[this.n] = [verdict.flags.join(','), verdict.fail.join(',')]
    }
    this.n++
  }

  build(): QcBatch {
    return { kind: this.kind, rows: this.rows, keys: this.keys, ...(this.marked ? { marked: this.marked } : {}) }
  }
}
