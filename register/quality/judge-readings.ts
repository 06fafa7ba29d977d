/**
 * The status of single readings as the API shows them: `raw` (stored before automated QC),
 * `provisional` (checked by automated QC) or `ratified` (inside a period an operator ratified,
 * with the version), which of their values are failed (left out of aggregates: by QC, or by the
 * operator's decision), and their corrected values where a calibration applies.
 */

import { valuesAtResolution } from '../mappings.js'
import type { ApiReading } from '../queries.js'
import type { DataStatus, SensorQuality } from './aggregates.js'
import { correctedValues } from './corrections.js'
import { modeOf, type Segment, segmentHolding, segmentsOf } from './segments.js'

export function judgeReadings(readings: ApiReading[], quality: SensorQuality, asOf?: number): ApiReading[] {
  if (readings.length === 0) return readings
  const times = readings.map((r) => Date.parse(r.time))
  const segments = segmentsOf(quality.ratifications, Math.min(...times), Math.max(...times) + 1, asOf)
  return readings.map((r, i) => judge(r, times[i]!, segments, quality))
}

function judge(r: ApiReading, t: number, segments: Segment[], quality: SensorQuality): ApiReading {
  const seg = segmentHolding(segments, t)
  const qcFailed = new Set(r.failed ?? [])
  const failed: string[] = []
  for (const field of Object.keys(r.values)) {
    const mode = seg ? modeOf(seg, field) : 'auto'
    if (mode === 'exclude' || (mode === 'auto' && (qcFailed.has(field) || qcFailed.has('*')))) failed.push(field)
  }
  const status: DataStatus = seg?.version !== undefined ? 'ratified' : r.qc !== undefined ? 'provisional' : 'raw'
  const out: ApiReading = { ...r, status, ...(seg?.version !== undefined ? { version: seg.version } : {}) }
  if (failed.length > 0) out.failed = failed
  else delete out.failed
  const corrected = correctedValues(quality.calibrations, t, r.values)
  if (corrected) out.corrected = valuesAtResolution(corrected.corrected)
  return out
}

/** The CSV columns of a reading's quality, and its cells (exports and the readings API). */
export const QUALITY_COLUMNS = ['status', 'version', 'qc', 'suspect', 'flags', 'failed'] as const

export const qualityCells = (r: ApiReading) => [
  r.status,
  r.version,
  r.qc,
  r.suspect,
  r.flags?.join(' '),
  r.failed?.join(' '),
]
