/**
 * The admin API's fleet answers in its spelling (snake_case): releases, rollouts with their
 * counts (of every device: the halt rule counts them all) and devices (only those of the asking
 * account's boroughs), and the fleet status per device.
 */
import { StreetsenseError } from '../core/index.js'
import type { Account, ReleaseRecord, RolloutDevice, RolloutRecord } from '../registry/index.js'
import type { ApiContext } from './api-context.js'

export const releaseJson = (r: ReleaseRecord) => ({
  id: r.id,
  kind: r.kind,
  version: r.version,
  file: r.file,
  length: r.length,
  sha256: r.sha256,
  expires: r.expires,
  published_by: r.publishedBy,
  published_at: r.publishedAt,
})

const deviceJson = (d: RolloutDevice) => ({
  sensor: d.sensor,
  borough: d.borough,
  rank: d.rank,
  stage: d.stage ?? null,
  state: d.state,
  error: d.error ?? null,
  command: d.command ?? null,
  targeted_at: d.targetedAt ?? null,
  deadline: d.deadline ?? null,
})

export function rolloutJson(ctx: ApiContext, r: RolloutRecord, account: Account, opts: { devices?: boolean } = {}) {
  const { fleet } = ctx.registry
  return {
    id: r.id,
    release: r.release,
    state: r.state,
    reason: r.reason ?? null,
    target: r.target,
    boroughs: r.boroughs,
    stages: r.stages,
    stage: {
      index: r.stage,
      name: r.stages[r.stage]?.name ?? null,
      started_at: r.stageStartedAt,
      settled_at: r.stageSettledAt ?? null,
    },
    soak_seconds: r.soakSeconds,
    device_timeout_seconds: r.deviceTimeoutSeconds,
    halt: { failures: r.halt.failures, rate: r.halt.rate, min_devices: r.halt.minDevices },
    counts: fleet.counts(r.id),
    created_by: r.createdBy,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    ...(opts.devices ? { devices: fleet.rolloutDevices(r.id, { boroughs: account.boroughs }).map(deviceJson) } : {}),
  }
}

/**
 * Each device of the account's boroughs (or of one borough, or of one rollout): the agent version
 * its last heartbeat gave, and where its update stands with the last error: its state in the
 * rollout when one is named, else what its heartbeat said of its last update.
 */
export function fleetStatus(
  ctx: ApiContext,
  account: Account,
  q: { borough?: string; rollout?: string; sensor?: string },
) {
  if (q.borough && !account.boroughs.includes(q.borough)) {
    throw new StreetsenseError(
      'IOT_REGISTER_FORBIDDEN',
      `account ${account.username} may not see devices of ${q.borough}`,
    )
  }
  const boroughs = q.borough ? [q.borough] : account.boroughs
  const inRollout = q.rollout ? rolloutDevices(ctx, account, q.rollout, boroughs) : undefined
  const sensors = inRollout
    ? [...inRollout.keys()]
    : ctx.registry
        .listSensors()
        .filter((r) => boroughs.includes(r.entry.borough) && r.entry.status !== 'retired')
        .map((r) => r.entry.id)
  const wanted = q.sensor ? sensors.filter((s) => s === q.sensor) : sensors
  const states = new Map(ctx.registry.fleet.deviceStates({ sensors: wanted }).map((s) => [s.sensor, s]))
  return wanted.map((sensor) => {
    const s = states.get(sensor)
    const r = inRollout?.get(sensor)
    return {
      sensor,
      borough: r?.borough ?? ctx.registry.getSensor(sensor)?.entry.borough ?? s?.borough ?? null,
      version: s?.agentVersion ?? null,
      state: r ? r.state : (s?.update?.state ?? null),
      error: r ? (r.error ?? null) : (s?.update?.reason ?? null),
      update: s?.update ?? null,
      last_heartbeat: s?.heartbeatAt ?? null,
      ...(q.rollout ? { rollout: q.rollout } : {}),
    }
  })
}

function rolloutDevices(ctx: ApiContext, account: Account, id: string, boroughs: string[]) {
  const r = ctx.registry.fleet.getRollout(id)
  if (!r?.boroughs.some((b) => account.boroughs.includes(b))) {
    throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no rollout ${id} in your boroughs`, 'rollout')
  }
  return new Map(ctx.registry.fleet.rolloutDevices(id, { boroughs }).map((d) => [d.sensor, d]))
}
