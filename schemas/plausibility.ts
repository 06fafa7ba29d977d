/**
 * Values that pass the schema (physically possible) but are unusual for a London street are
 * accepted and flagged, never rejected: a real pollution episode must not be thrown away.
 * The ingest adds these flags to quality.flags and sets quality.status to "suspect".
 */
import type { Reading } from './types.gen.js'

interface Bound {
  field: string
  below?: number
  above?: number
}

/** Thresholds (documented in docs/schema.md); beyond them a value is suspect. */
const SUSPECT_BOUNDS: readonly Bound[] = [
  { field: 'pm1', above: 300 },
  { field: 'pm2_5', above: 500 },
  { field: 'pm10', above: 600 },
  { field: 'no2', above: 1000 },
  { field: 'o3', above: 400 },
  { field: 'so2', above: 1000 },
  { field: 'co2', below: 350, above: 5000 },
  { field: 'temperature', below: -20, above: 45 },
  { field: 'pressure', below: 940, above: 1060 },
  { field: 'noise_laeq', below: 20, above: 120 },
  { field: 'mean_speed', above: 130 },
  { field: 'v85', above: 150 },
]

export function plausibilityFlags(reading: Reading): string[] {
  const values = reading.values as Record<string, unknown>
  const flags: string[] = []
  for (const { field, below, above } of SUSPECT_BOUNDS) {
    const v = values[field]
    if (typeof v !== 'number') continue
    if (below !== undefined && v < below) flags.push(`${field}_low`)
    if (above !== undefined && v > above) flags.push(`${field}_high`)
  }
  if (typeof values.pm2_5 === 'number' && typeof values.pm10 === 'number' && values.pm2_5 > values.pm10 * 1.05) {
    // PM2.5 is a subset of PM10; a larger value points at a faulty or wet sensor.
    flags.push('pm2_5_above_pm10')
  }
  if (typeof values.pm1 === 'number' && typeof values.pm2_5 === 'number' && values.pm1 > values.pm2_5 * 1.05) {
    flags.push('pm1_above_pm2_5')
  }
  if (typeof values.v85 === 'number' && typeof values.mean_speed === 'number' && values.v85 < values.mean_speed) {
    flags.push('v85_below_mean_speed')
  }
  return flags
}
