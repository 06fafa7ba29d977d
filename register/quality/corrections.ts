/**
 * Corrected values: a separate, labelled series next to the raw one, computed when it is read.
 * A calibration (registry, fitted by calibration-fit.ts) is a linear model
 * corrected = intercept + a * value + b * covariate + ..., so it is applied to a reading, or to an
 * aggregate's means (the model is linear, and the covariates are averaged over the same readings),
 * without storing anything. The raw values never change, and a refit applies to history at once.
 */
import type { Calibration } from '../../registry/index.js'
import { fieldMapping } from '../mappings.js'

/** The calibration of `field` that applies at `t`: applied, valid then, the newest such record. */
export function calibrationAt(calibrations: readonly Calibration[], field: string, t: number): Calibration | undefined {
  let best: Calibration | undefined
  for (const c of calibrations) {
    if (!c.applied || c.field !== field || Date.parse(c.validFrom) > t) continue
    if (c.validTo !== undefined && Date.parse(c.validTo) <= t) continue
    if (!best || c.id > best.id) best = c
  }
  return best
}

/** The corrected value, or undefined when a covariate the model needs is missing. */
export function applyCalibration(
  c: Calibration,
  values: Readonly<Record<string, number | undefined>>,
): number | undefined {
  const x = values[c.field]
  if (x === undefined) return undefined
  let y = (c.coefficients.intercept ?? 0) + (c.coefficients[c.field] ?? 0) * x
  for (const cov of c.covariates) {
    const v = values[cov]
    if (v === undefined) return undefined
    y += (c.coefficients[cov] ?? 0) * v
  }
  return Math.round(y * 1000) / 1000
}

/** Corrected values of a reading or an aggregate row at time `t`, and the calibrations used. */
export function correctedValues(
  calibrations: readonly Calibration[],
  t: number,
  values: Readonly<Record<string, number | undefined>>,
): { corrected: Record<string, number>; used: Calibration[] } | undefined {
  if (calibrations.length === 0) return undefined
  const corrected: Record<string, number> = {}
  const used: Calibration[] = []
  for (const field of new Set(calibrations.map((c) => c.field))) {
    const c = calibrationAt(calibrations, field, t)
    const y = c && applyCalibration(c, values)
    if (c && y !== undefined) {
      corrected[field] = y
      used.push(c)
    }
  }
  return used.length > 0 ? { corrected, used } : undefined
}

const COVARIATE_WORDS: Record<string, string> = { relative_humidity: 'humidity', temperature: 'temperature' }

/** "corrected for humidity and temperature using a linear model fitted against <reference> ..." */
export function correctionLabel(c: Calibration, referenceName?: string): string {
  const words = c.covariates.map((v) => COVARIATE_WORDS[v] ?? fieldMapping(v)?.label ?? v)
  const what = words.length > 0 ? `for ${words.join(' and ')}` : "for the sensor's bias"
  const r2 = typeof c.stats.r2 === 'number' ? `, R² ${c.stats.r2.toFixed(2)}` : ''
  return (
    `corrected ${what} using a linear model fitted against the reference instrument ${referenceName ?? c.reference}` +
    ` (co-located ${c.colocationFrom.slice(0, 10)} to ${c.colocationTo.slice(0, 10)}${r2}; calibration ${c.id}, version ${c.version})`
  )
}

/** How the API describes a calibration it used. */
export function calibrationSummary(c: Calibration, referenceName?: string) {
  return {
    calibration: c.id,
    version: c.version,
    method: c.method,
    covariates: c.covariates,
    reference: c.reference,
    label: correctionLabel(c, referenceName),
  }
}
