/**
 * A sensor's data-quality records from the registry (ratifications, calibrations), and the
 * summary the API and the register page show: which periods an operator ratified, and which
 * values are corrected, how, and how well the correction fitted.
 */
import type { Calibration, Registry } from '../../registry/index.js'
import type { SensorQuality } from './aggregates.js'
import { calibrationAt, calibrationSummary } from './corrections.js'

export type QualityRegistry = Pick<Registry, 'listRatifications' | 'listCalibrations' | 'getSensor'>

export function sensorQuality(registry: QualityRegistry, id: string): SensorQuality {
  return { ratifications: registry.listRatifications(id), calibrations: registry.listCalibrations(id) }
}

export interface DataQualitySummary {
  /** Periods an operator ratified (the newest version of each), oldest first. */
  ratified: { version: number; from: string; to: string; at: string }[]
  /** The calibrations that correct values now, with their fit statistics. */
  corrections: (ReturnType<typeof calibrationSummary> & { field: string; stats: Calibration['stats'] })[]
}

export function qualitySummary(registry: QualityRegistry, quality: SensorQuality, now: number): DataQualitySummary {
  const ratified = quality.ratifications
    .filter((r) => !quality.ratifications.some((o) => o.version > r.version && o.from <= r.from && o.to >= r.to))
    .map((r) => ({ version: r.version, from: r.from, to: r.to, at: r.at }))
    .sort((a, b) => a.from.localeCompare(b.from))
  const fields = [...new Set(quality.calibrations.map((c) => c.field))]
  const corrections = fields.flatMap((field) => {
    const c = calibrationAt(quality.calibrations, field, now)
    if (!c) return []
    const reference = registry.getSensor(c.reference)?.entry.name
    return [{ field, ...calibrationSummary(c, reference), stats: c.stats }]
  })
  return { ratified, corrections }
}
