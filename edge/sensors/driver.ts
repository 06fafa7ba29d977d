/**
 * One interface for every sensor driver: start/stop, and events. A driver never throws into the
 * agent after start: it emits `sample` with whatever it measured and `fault` with an StreetsenseError,
 * and keeps trying (reopen after unplug, etc.) until stopped.
 */
import type { EventEmitter } from 'node:events'
import type { StreetsenseError } from '../../core/index.js'
import type { AirValues } from '../../schemas/index.js'
import type { TrafficClass } from '../config.js'

export interface AirSample {
  kind: 'air'
  time: number // ms since epoch
  values: AirValues
}
export interface TrafficSample {
  kind: 'traffic'
  time: number
  counts: Partial<Record<TrafficClass, number>>
}
export type Sample = AirSample | TrafficSample

export interface DriverEvents {
  sample: [Sample]
  fault: [StreetsenseError]
  /** A raw frame or board message, for `edge doctor`. */
  frame: [string]
}

export interface SensorDriver extends EventEmitter<DriverEvents> {
  readonly name: string
  /** Firmware or model string once known (status heartbeat). */
  readonly firmware?: string
  start(): Promise<void>
  stop(): Promise<void>
}

/** Latest temperature seen on the node (from a BME280 or the simulator), for gas compensation. */
export type TemperatureSource = () => number | undefined
