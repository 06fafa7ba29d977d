/** Shared pieces of the ingest benchmark: the sensor fleet and the readings it sends. */
export const BENCH_BOROUGHS = ['E09000001', 'E09000007', 'E09000012', 'E09000019', 'E09000028']
export const BENCH_SENSORS = Array.from({ length: 1000 }, (_, i) => ({
  id: `b-${String(i).padStart(4, '0')}`,
  borough: BENCH_BOROUGHS[i % BENCH_BOROUGHS.length]!,
}))
export const BASE = Date.parse('2026-01-01T00:00:00Z')

/** A ~200-byte air reading; time is unique per (sensor, seq). */
export function benchReading(sensor: { id: string; borough: string }, seq: number) {
  return {
    sensor: sensor.id,
    borough: sensor.borough,
    kind: 'air',
    time: new Date(BASE + seq * 1000).toISOString(),
    interval: 60,
    seq,
    values: { pm2_5: 8 + (seq % 13) * 0.7, pm10: 15 + (seq % 11), no2: 30.5, temperature: 11.2, relative_humidity: 70 },
  }
}
