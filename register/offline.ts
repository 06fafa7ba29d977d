/**
 * "Offline since ...": an active sensor whose last message (reading or heartbeat) is older than
 * two of its report intervals is silent, the same test as the DeviceOffline alert
 * (deploy/prometheus/rules/). Its interval is the one its readings carry, as the ingest recorded
 * it (device_state in the registry); 60 s (the agent's default) until one is known.
 */
import type { OpenDataRegistry } from './api-context.js'

export const DEFAULT_INTERVAL_SECONDS = 60

/** In the API's spelling (snake_case), as `offline` of GET /v1/sensors/{id}. */
export interface Silence {
  /** The last message: the sensor has been offline since then. */
  since: string
  /** How long it has been silent, and its usual interval. */
  silent_seconds: number
  interval_seconds: number
}

/** Why a sensor counts as offline now, or undefined (never heard from, not active, or within two intervals). */
export function silenceOf(
  status: string | undefined,
  lastSeen: string | null | undefined,
  intervalSeconds: number | undefined,
  now: number,
): Silence | undefined {
  if (status !== 'active' || !lastSeen) return undefined
  const interval = intervalSeconds ?? DEFAULT_INTERVAL_SECONDS
  const silentSeconds = Math.floor((now - Date.parse(lastSeen)) / 1000)
  if (!(silentSeconds > 2 * interval)) return undefined
  return { since: new Date(lastSeen).toISOString(), silent_seconds: silentSeconds, interval_seconds: interval }
}

/** The report intervals the ingest has recorded, by sensor. */
export function intervalsOf(registry: Pick<OpenDataRegistry, 'fleet'>, sensors?: string[]): Map<string, number> {
  const states = registry.fleet.deviceStates(sensors ? { sensors } : {})
  return new Map(states.flatMap((s) => (s.intervalSeconds ? [[s.sensor, s.intervalSeconds]] : [])))
}

const UNITS: [number, string][] = [
  [86_400, 'day'],
  [3_600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
]

/** "3 hours", "1 minute", "2 days": the largest whole unit. */
export function durationWords(seconds: number): string {
  const [size, unit] = UNITS.find(([s]) => seconds >= s) ?? [1, 'second']
  const n = Math.floor(seconds / size)
  return `${n} ${unit}${n === 1 ? '' : 's'}`
}

/** "every minute", "every 5 minutes". */
export function everyWords(seconds: number): string {
  const words = durationWords(seconds)
  return words.startsWith('1 ') ? `every ${words.slice(2)}` : `every ${words}`
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** "14:05 UTC on 3 Dec 2026". */
export function whenWords(iso: string): string {
  const d = new Date(iso)
  const hhmm = d.toISOString().slice(11, 16)
  return `${hhmm} UTC on ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
}
