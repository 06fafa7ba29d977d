/**
 * Sequence numbers and times for Sensor.Community readings. airrohr sends neither: the sequence
 * counts on from the last one this ingest saw for the sensor, and each reading's time (the start
 * of its averaging interval) is kept strictly increasing per sensor, so two posts of one node in
 * the same millisecond (the Sensor.Community API format sends one body per sensor) are two points
 * in InfluxDB, not one point whose fields the second post overwrites.
 */
import type { SensorStats } from '../stats/sensor-stats.js'

export class ScClock {
  private readonly last = new Map<string, { seq: number; timeMs: number }>()

  constructor(private readonly stats: Pick<SensorStats, 'get'>) {}

  /** The next sequence number of the sensor, and `startMs` moved on by 1 ms when it would repeat or go back. */
  next(sensor: string, startMs: number): { seq: number; timeMs: number } {
    const prev = this.last.get(sensor)
    const seq = prev ? prev.seq + 1 : (this.stats.get(sensor)?.lastSeq ?? 0) + 1
    const timeMs = prev && startMs <= prev.timeMs ? prev.timeMs + 1 : Math.trunc(startMs)
    this.last.set(sensor, { seq, timeMs })
    return { seq, timeMs }
  }
}
