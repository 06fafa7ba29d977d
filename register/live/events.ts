/**
 * From a broker message to live events: the message is checked as the ingest checks it (JSON,
 * the reading schema, the topic's sensor, borough and kind, a registered sensor that is not
 * retired) and each reading becomes the JSON bulk history serves for it, so the live feed never
 * shows what the store would refuse. Readings older than `maxAgeMs` (a backlog sent after an
 * outage) are left to bulk history.
 */

import type { RegisterEntry } from '../../schemas/index.js'
import { parseTopic, plausibilityFlags, type Reading, validateReadingMessage } from '../../schemas/index.js'
import { atResolution } from '../mappings.js'

const COUNT_CLASSES = ['pedal_cycle', 'motorcycle', 'car', 'bus_coach', 'lgv', 'hgv', 'pedestrian'] as const
export const MAX_LIVE_PAYLOAD_BYTES = 256 * 1024

/** The values as they are stored (docs/ingest.md): counts flattened, all vehicles summed. */
function storedValues(reading: Reading): { values: Record<string, number>; lane?: string; direction?: string } {
  const v = reading.values as Record<string, unknown>
  if (reading.kind !== 'traffic') {
    const values: Record<string, number> = {}
    for (const [k, x] of Object.entries(v)) if (typeof x === 'number') values[k] = atResolution(k, x)
    return { values }
  }
  const counts = (v.counts ?? {}) as Record<string, number | undefined>
  const values: Record<string, number> = {}
  let total: number | undefined
  for (const name of COUNT_CLASSES) {
    const n = counts[name]
    if (n === undefined) continue
    values[name] = n
    if (name !== 'pedestrian') total = (total ?? 0) + n
  }
  if (total !== undefined) values.total_vehicles = total
  for (const k of ['mean_speed', 'v85', 'occupancy']) if (typeof v[k] === 'number') values[k] = atResolution(k, v[k])
  return { values, lane: String(v.lane ?? 0), direction: String(v.direction ?? 'none') }
}

/** A reading as the live feed and bulk history show it (docs/api.md). */
export function liveJson(reading: Reading): string {
  const own = reading.quality?.flags ?? []
  const flags = [...new Set([...own, ...plausibilityFlags(reading)])]
  const { values, lane, direction } = storedValues(reading)
  const out: Record<string, unknown> = {
    sensor: reading.sensor,
    borough: reading.borough,
    kind: reading.kind,
    time: new Date(Date.parse(reading.time)).toISOString(),
  }
  if (lane !== undefined) Object.assign(out, { lane, direction })
  Object.assign(out, {
    interval: reading.interval,
    seq: reading.seq,
    status: 'raw',
    suspect: flags.length > 0 || reading.quality?.status === 'suspect',
  })
  if (flags.length > 0) out.flags = flags
  out.values = values
  return JSON.stringify(out)
}

export interface CheckedMessage {
  entry: RegisterEntry
  readings: Reading[]
}

/** The message's readings that may go live, with the sensor's entry; undefined when none may. */
export function checkMessage(
  topic: string,
  payload: Buffer,
  entryOf: (sensor: string) => RegisterEntry | undefined,
  now: number,
  maxAgeMs: number,
): CheckedMessage | undefined {
  const parts = parseTopic(topic)
  if (!parts || (parts.channel !== 'air' && parts.channel !== 'traffic')) return undefined
  if (payload.length > MAX_LIVE_PAYLOAD_BYTES) return undefined
  const entry = entryOf(parts.sensor)
  if (!entry || entry.status === 'retired' || entry.borough !== parts.borough || entry.kind !== parts.channel) {
    return undefined
  }
  let value: unknown
  try {
    value = JSON.parse(payload.toString('utf8'))
  } catch {
    return undefined
  }
  const checked = validateReadingMessage(value, now)
  if (!checked.ok) return undefined
  const readings = checked.value.filter(
    (r) =>
      r.sensor === parts.sensor &&
      r.borough === parts.borough &&
      r.kind === parts.channel &&
      Date.parse(r.time) + r.interval * 1000 >= now - maxAgeMs,
  )
  return readings.length > 0 ? { entry, readings } : undefined
}
