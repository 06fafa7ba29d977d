/**
 * The data status of raw readings (raw, provisional, ratified; docs/data-quality.md), judged by
 * the data-quality work's rules with each sensor's ratifications and calibrations, read once per
 * sensor per request.
 */
import type { SensorQuality } from '../quality/aggregates.js'
import { judgeReadings } from '../quality/judge-readings.js'
import { type QualityRegistry, sensorQuality } from '../quality/sensor-quality.js'
import type { ApiReading } from '../queries.js'

export interface QualityJudge {
  judge(sensor: string, readings: ApiReading[]): ApiReading[]
  qualityOf(sensor: string): SensorQuality
}

export function qualityJudge(registry: QualityRegistry): QualityJudge {
  const known = new Map<string, SensorQuality>()
  const qualityOf = (sensor: string) => {
    const q = known.get(sensor) ?? sensorQuality(registry, sensor)
    known.set(sensor, q)
    return q
  }
  return { qualityOf, judge: (sensor, readings) => judgeReadings(readings, qualityOf(sensor)) }
}
