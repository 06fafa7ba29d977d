/**
 * Two small fleet tables: `releases` (what `streetsense fleet publish` put in the platform's
 * release store, with the manifest's exact bytes and its signature, so the register and the
 * ingest can build update commands without the files) and `device_state` (what the ingest last
 * heard from each device about itself: interval, agent version, update state; written in
 * batches and only when something changed).
 */
import { StreetsenseError } from '../core/index.js'
import type { DeviceObservation, DeviceStateRecord, FleetLog, NewRelease, ReleaseRecord } from './fleet-types.js'
import { type RegistryDb, writeTransaction } from './store.js'

interface ReleaseRow {
  id: string
  kind: string
  version: string
  file: string
  length: number
  sha256: string
  expires: string
  manifest: string
  signature: string
  published_by: string
  published_at: string
}

interface DeviceStateRow {
  sensor: string
  borough: string
  interval_seconds: number | null
  agent_version: string | null
  update_state: string | null
  update_version: string | null
  update_reason: string | null
  update_time: string | null
  heartbeat_at: string | null
  updated_at: string
}

const toRelease = (r: ReleaseRow): ReleaseRecord => ({
  id: r.id,
  kind: r.kind as ReleaseRecord['kind'],
  version: r.version,
  file: r.file,
  length: r.length,
  sha256: r.sha256,
  expires: r.expires,
  manifest: r.manifest,
  signature: r.signature,
  publishedBy: r.published_by,
  publishedAt: r.published_at,
})

function toDeviceState(r: DeviceStateRow): DeviceStateRecord {
  return {
    sensor: r.sensor,
    borough: r.borough,
    ...(r.interval_seconds !== null ? { intervalSeconds: r.interval_seconds } : {}),
    ...(r.agent_version !== null ? { agentVersion: r.agent_version } : {}),
    ...(r.update_state !== null && r.update_version !== null
      ? {
          update: {
            state: r.update_state,
            version: r.update_version,
            ...(r.update_reason ? { reason: r.update_reason } : {}),
            time: r.update_time ?? r.updated_at,
          },
        }
      : {}),
    ...(r.heartbeat_at !== null ? { heartbeatAt: r.heartbeat_at } : {}),
    updatedAt: r.updated_at,
  }
}

type RecordMethods = Pick<
  FleetLog,
  'publishRelease' | 'getRelease' | 'listReleases' | 'observeDevices' | 'deviceStates'
>

export function fleetRecordMethods(r: RegistryDb): RecordMethods {
  return { ...releaseMethods(r), ...deviceStateMethods(r) }
}

/** Releases published to the platform's store, audited. */
function releaseMethods(r: RegistryDb): Pick<FleetLog, 'publishRelease' | 'getRelease' | 'listReleases'> {
  const { db } = r
  const getRelease = db.prepare<[string], ReleaseRow>('SELECT * FROM releases WHERE id = ?')
  const insertRelease = db.prepare(
    `INSERT INTO releases (id, kind, version, file, length, sha256, expires, manifest, signature, published_by, published_at)
     VALUES (@id, @kind, @version, @file, @length, @sha256, @expires, @manifest, @signature, @by, @at)`,
  )
  const publish = writeTransaction(db, (release: NewRelease, actor: string) => {
    if (getRelease.get(release.id)) {
      throw new StreetsenseError('IOT_REGISTRY_DUPLICATE', `release ${release.id} is already published`, 'release')
    }
    insertRelease.run({ ...release, by: actor, at: r.now() })
    r.audit(
      actor,
      'release.publish',
      undefined,
      `${release.id} ${release.file} ${release.length} bytes sha256 ${release.sha256}`,
    )
  })
  return {
    publishRelease(release, actor) {
      publish(release, actor)
      return toRelease(getRelease.get(release.id)!)
    },
    getRelease: (id) => {
      const row = getRelease.get(id)
      return row ? toRelease(row) : undefined
    },
    listReleases: () =>
      db.prepare<[], ReleaseRow>('SELECT * FROM releases ORDER BY published_at DESC').all().map(toRelease),
  }
}

/** What the ingest observed of each device (interval, agent version, update state). */
function deviceStateMethods(r: RegistryDb): Pick<FleetLog, 'observeDevices' | 'deviceStates'> {
  const { db } = r
  // Each field keeps its last known value when an observation does not carry it (a reading has no version).
  const upsert = db.prepare(
    `INSERT INTO device_state (sensor, borough, interval_seconds, agent_version, update_state, update_version,
       update_reason, update_time, heartbeat_at, updated_at)
     VALUES (@sensor, @borough, @interval, @version, @state, @updateVersion, @reason, @time, @heartbeat, @now)
     ON CONFLICT (sensor) DO UPDATE SET borough = excluded.borough,
       interval_seconds = coalesce(excluded.interval_seconds, interval_seconds),
       agent_version = coalesce(excluded.agent_version, agent_version),
       update_state = CASE WHEN excluded.update_state IS NULL THEN update_state ELSE excluded.update_state END,
       update_version = CASE WHEN excluded.update_state IS NULL THEN update_version ELSE excluded.update_version END,
       update_reason = CASE WHEN excluded.update_state IS NULL THEN update_reason ELSE excluded.update_reason END,
       update_time = CASE WHEN excluded.update_state IS NULL THEN update_time ELSE excluded.update_time END,
       heartbeat_at = coalesce(excluded.heartbeat_at, heartbeat_at), updated_at = excluded.updated_at`,
  )
  const observe = writeTransaction(db, (observations: readonly DeviceObservation[]) => {
    const now = r.now()
    for (const o of observations) {
      upsert.run({
        sensor: o.sensor,
        borough: o.borough,
        interval: o.intervalSeconds ?? null,
        version: o.agentVersion ?? null,
        state: o.update?.state ?? null,
        updateVersion: o.update?.version ?? null,
        reason: o.update?.reason ?? null,
        time: o.update?.time ?? null,
        heartbeat: o.heartbeatAt ?? null,
        now,
      })
    }
  })
  return {
    observeDevices: (observations) => {
      if (observations.length > 0) observe(observations)
    },
    deviceStates(filter = {}) {
      const where: string[] = []
      const args: string[] = []
      for (const [column, values] of [
        ['borough', filter.boroughs],
        ['sensor', filter.sensors],
      ] as const) {
        if (!values) continue
        where.push(`${column} IN (${values.map(() => '?').join(', ') || 'NULL'})`)
        args.push(...values)
      }
      const sql = `SELECT * FROM device_state ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY sensor`
      return db
        .prepare<string[], DeviceStateRow>(sql)
        .all(...args)
        .map(toDeviceState)
    },
  }
}
