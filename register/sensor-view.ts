/** Assembles what the API and the register page say about one sensor. */

import { StreetsenseError } from '../core/index.js'
import type { SensorRecord } from '../registry/index.js'
import type { ApiContext } from './api-context.js'
import { type DaqiResult, daqi, isDaqiPollutant, overallDaqi } from './daqi.js'
import type { Caller } from './data-access.js'
import { type GovernanceView, governanceView } from './governance-view.js'
import { isOpenData, type PublicEntry, publicEntry } from './public-entry.js'
import { type ApiReading, type Completeness, completeness, daqiMeans, latestReadings } from './queries.js'

export interface SensorDetail extends PublicEntry {
  open_data: boolean
  /** Whether the caller may read its readings (always true when open_data). */
  data_access: boolean
  governance: GovernanceView
  last_seen: string | null
  completeness: Record<string, Completeness> | null
  counters?: { accepted: number; rejected: number; duplicates: number; gaps: number; last_seq: number | null }
  latest: ApiReading[]
  daqi: { overall: DaqiResult | null; pollutants: DaqiResult[] } | null
}

export function requireSensor(ctx: ApiContext, id: string): SensorRecord {
  const record = ctx.registry.getSensor(id)
  if (!record) throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no sensor ${id} in the register`)
  return record
}

function isoOrNull(v: string | number | undefined | null): string | null {
  if (v === undefined || v === null || v === '') return null
  const d = new Date(v)
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

/** The entry, its governance, and (when the caller may read them) its latest readings, completeness and DAQI. */
export async function sensorDetail(
  ctx: ApiContext,
  record: SensorRecord,
  base: string,
  caller: Caller,
): Promise<SensorDetail> {
  const entry = record.entry
  const readable = caller.mayRead(entry)
  const stats = ctx.stats?.get(entry.id)
  const detail: SensorDetail = {
    ...publicEntry(record, base),
    open_data: isOpenData(entry),
    data_access: readable,
    governance: governanceView(ctx, entry),
    last_seen: isoOrNull(stats?.lastSeen),
    completeness: null,
    latest: [],
    daqi: null,
  }
  if (stats) {
    detail.counters = {
      accepted: stats.accepted,
      rejected: stats.rejected,
      duplicates: stats.duplicates,
      gaps: stats.gaps,
      last_seq: stats.lastSeq,
    }
  }
  if (!readable) return detail
  const now = ctx.now()
  const pollutants = entry.kind === 'air' ? entry.measures.filter(isDaqiPollutant) : []
  const [latest, windows, means] = await Promise.all([
    latestReadings(ctx.influx, entry.id, entry.kind),
    completeness(
      ctx.influx,
      entry.id,
      entry.kind,
      [
        { name: '24h', ms: 86_400_000 },
        { name: '30d', ms: 30 * 86_400_000 },
      ],
      now,
    ),
    daqiMeans(ctx.influx, entry.id, pollutants, now),
  ])
  detail.latest = latest
  detail.completeness = Object.fromEntries(windows.map((w) => [w.window, w]))
  const newest = latest[0]?.time ?? null
  if (!detail.last_seen || (newest && newest > detail.last_seen)) detail.last_seen = newest
  if (entry.kind === 'air') {
    const results = pollutants.flatMap((p) => (means[p] === undefined ? [] : [daqi(p, means[p]!)]))
    detail.daqi = { overall: overallDaqi(results) ?? null, pollutants: results }
  }
  return detail
}
