/** Assembles what the API and the register page say about one sensor. */

import { StreetsenseError } from '../core/index.js'
import type { SensorRecord } from '../registry/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import type { ApiContext } from './api-context.js'
import { isDaqiPollutant } from './daqi.js'
import type { Caller } from './data-access.js'
import { type GovernanceView, governanceView } from './governance-view.js'
import { intervalsOf, type Silence, silenceOf } from './offline.js'
import { isOpenData, type PublicEntry, publicEntry } from './public-entry.js'
import type { SensorQuality } from './quality/aggregates.js'
import { type Completeness, completeness } from './quality/completeness.js'
import { type DaqiNow, daqiNow } from './quality/daqi-now.js'
import { type DataQualitySummary, qualitySummary, sensorQuality } from './quality/sensor-quality.js'
import { type ApiReading, latestReadings } from './queries.js'

export interface SensorDetail extends PublicEntry {
  open_data: boolean
  /** Whether the caller may read its readings (always true when open_data). */
  data_access: boolean
  governance: GovernanceView
  last_seen: string | null
  /** Set when an active sensor has been silent for more than two of its intervals. */
  offline: Silence | null
  completeness: Record<string, Completeness> | null
  counters?: { accepted: number; rejected: number; duplicates: number; gaps: number; last_seq: number | null }
  latest: ApiReading[]
  daqi: DaqiNow | null
  data_quality: DataQualitySummary
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
  const now = ctx.now()
  const quality = sensorQuality(ctx.registry, entry.id)
  const detail: SensorDetail = {
    ...publicEntry(record, base),
    open_data: isOpenData(entry),
    data_access: readable,
    governance: governanceView(ctx, entry),
    last_seen: isoOrNull(stats?.lastSeen),
    offline: null,
    completeness: null,
    latest: [],
    daqi: null,
    data_quality: qualitySummary(ctx.registry, quality, now),
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
  if (readable) await addReadings(ctx, entry, quality, detail, now)
  // After the readings: the newest stored reading may be later than the ingest's counters say.
  detail.offline =
    silenceOf(entry.status, detail.last_seen, intervalsOf(ctx.registry, [entry.id]).get(entry.id), now) ?? null
  return detail
}

/** Latest readings, completeness and (air) the DAQI of a sensor the caller may read. */
async function addReadings(
  ctx: ApiContext,
  entry: RegisterEntry,
  quality: SensorQuality,
  detail: SensorDetail,
  now: number,
): Promise<void> {
  const pollutants = entry.kind === 'air' ? entry.measures.filter(isDaqiPollutant) : []
  const [latest, windows, daqi] = await Promise.all([
    latestReadings(ctx.influx, entry.id, entry.kind, quality),
    completeness(
      ctx.influx,
      { id: entry.id, kind: entry.kind, installed: entry.installed },
      [
        { name: '24h', ms: 86_400_000 },
        { name: '30d', ms: 30 * 86_400_000 },
      ],
      now,
    ),
    entry.kind === 'air'
      ? daqiNow(ctx.influx, { id: entry.id, grade: entry.data_grade, pollutants }, quality, now)
      : Promise.resolve(null),
  ])
  detail.latest = latest
  detail.completeness = Object.fromEntries(windows.map((w) => [w.window, w]))
  detail.daqi = daqi
  const newest = latest[0]?.time ?? null
  if (!detail.last_seen || (newest && newest > detail.last_seen)) detail.last_seen = newest
}
