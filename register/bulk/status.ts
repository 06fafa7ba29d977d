/**
 * The data status of raw readings (raw, provisional, ratified: docs/data-quality.md vocabulary).
 * Until automated checks judge stored readings, every reading is `raw`.
 */
import type { ApiReading } from '../queries.js'

export function judgeRaw(_sensor: string, readings: ApiReading[]): ApiReading[] {
  return readings.map((r) => ({ ...r, status: 'raw' }))
}
