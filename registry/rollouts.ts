/**
 * Rollouts and their devices. A rollout is recorded with every device its target resolved to, in
 * the rollout's hash order (rollout-plan.ts), all `waiting`; the ingest's rollout driver targets
 * them stage by stage (issuing each device's update command in the same transaction), records
 * what the devices answer, and moves the rollout on, halts it or completes it. Every change of a
 * rollout's state is audited; the guards in the SQL (`WHERE state = ...`, `WHERE stage = ...`)
 * keep two ingest instances from doing the same step twice.
 */
import { StreetsenseError } from '../core/index.js'
import type { CommandLog } from './command-types.js'
import type { FleetLog, RolloutDevice, RolloutDeviceState, RolloutRecord } from './fleet-types.js'
import { checkHaltRule, checkStages, cohortOrder, countDevices } from './rollout-plan.js'
import { type RegistryDb, writeTransaction } from './store.js'

interface RolloutRow {
  id: string
  release: string
  target: string
  boroughs: string
  stages: string
  stage: number
  stage_started_at: string
  stage_settled_at: string | null
  soak_seconds: number
  device_timeout_seconds: number
  halt_rule: string
  state: string
  reason: string | null
  created_by: string
  created_at: string
  updated_at: string
}

interface DeviceRow {
  rollout: string
  sensor: string
  borough: string
  rank: number
  stage: number | null
  command: string | null
  state: string
  error: string | null
  targeted_at: string | null
  deadline: string | null
  updated_at: string
}

const toRollout = (r: RolloutRow): RolloutRecord => ({
  id: r.id,
  release: r.release,
  target: JSON.parse(r.target),
  boroughs: JSON.parse(r.boroughs),
  stages: JSON.parse(r.stages),
  stage: r.stage,
  stageStartedAt: r.stage_started_at,
  ...(r.stage_settled_at ? { stageSettledAt: r.stage_settled_at } : {}),
  soakSeconds: r.soak_seconds,
  deviceTimeoutSeconds: r.device_timeout_seconds,
  halt: JSON.parse(r.halt_rule),
  state: r.state as RolloutRecord['state'],
  ...(r.reason ? { reason: r.reason } : {}),
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const toDevice = (r: DeviceRow): RolloutDevice => ({
  rollout: r.rollout,
  sensor: r.sensor,
  borough: r.borough,
  rank: r.rank,
  ...(r.stage !== null ? { stage: r.stage } : {}),
  ...(r.command ? { command: r.command } : {}),
  state: r.state as RolloutDeviceState,
  ...(r.error ? { error: r.error } : {}),
  ...(r.targeted_at ? { targetedAt: r.targeted_at } : {}),
  ...(r.deadline ? { deadline: r.deadline } : {}),
  updatedAt: r.updated_at,
})

const VERB: Record<string, string> = {
  running: 'resume',
  paused: 'pause',
  halted: 'halt',
  cancelled: 'cancel',
  completed: 'complete',
}

const FINAL_SQL = "('healthy','failed','rolled_back','skipped')"

function statements(r: RegistryDb) {
  const { db } = r
  return {
    get: db.prepare<[string], RolloutRow>('SELECT * FROM rollouts WHERE id = ?'),
    insert: db.prepare(
      `INSERT INTO rollouts (id, release, target, boroughs, stages, stage, stage_started_at, soak_seconds,
         device_timeout_seconds, halt_rule, state, created_by, created_at, updated_at)
       VALUES (@id, @release, @target, @boroughs, @stages, 0, @now, @soak, @timeout, @halt, 'running', @by, @now, @now)`,
    ),
    insertDevice: db.prepare(
      `INSERT INTO rollout_devices (rollout, sensor, borough, rank, state, updated_at) VALUES (?, ?, ?, ?, 'waiting', ?)`,
    ),
    devices: db.prepare<[string], DeviceRow>('SELECT * FROM rollout_devices WHERE rollout = ? ORDER BY rank'),
    setState: db.prepare('UPDATE rollouts SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state = ?'),
    settle: db.prepare(
      'UPDATE rollouts SET stage_settled_at = ?, updated_at = ? WHERE id = ? AND stage = ? AND stage_settled_at IS NULL',
    ),
    advance: db.prepare(
      `UPDATE rollouts SET stage = stage + 1, stage_started_at = ?, stage_settled_at = NULL, updated_at = ?
       WHERE id = ? AND stage = ? AND state = 'running'`,
    ),
    target: db.prepare(
      `UPDATE rollout_devices SET stage = ?, command = ?, state = ?, error = ?, targeted_at = ?, deadline = ?, updated_at = ?
       WHERE rollout = ? AND sensor = ? AND state = 'waiting'`,
    ),
    update: db.prepare(
      `UPDATE rollout_devices SET state = ?, error = coalesce(?, error), updated_at = ?
       WHERE rollout = ? AND sensor = ? AND state NOT IN ${FINAL_SQL} AND state != 'waiting'`,
    ),
  }
}

type RolloutMethods = Omit<
  FleetLog,
  'publishRelease' | 'getRelease' | 'listReleases' | 'observeDevices' | 'deviceStates'
>

type Statements = ReturnType<typeof statements>
type Audit = (actor: string, action: string, id: string, detail: string) => void

/** A new rollout and its devices in cohort order, in one transaction, audited. */
function createTransaction(r: RegistryDb, q: Statements, audit: Audit) {
  return writeTransaction(r.db, (input: Parameters<FleetLog['createRollout']>[0]) => {
    checkStages(input.stages)
    checkHaltRule(input.halt)
    if (input.devices.length === 0)
      throw new StreetsenseError('IOT_REGISTRY_INVALID_RECORD', 'the target has no active sensors', 'target')
    if (q.get.get(input.id)) throw new StreetsenseError('IOT_REGISTRY_DUPLICATE', `rollout ${input.id} exists`, 'id')
    const now = r.now()
    const boroughs = [...new Set(input.devices.map((d) => d.borough))].sort()
    q.insert.run({
      id: input.id,
      release: input.release,
      target: JSON.stringify(input.target),
      boroughs: JSON.stringify(boroughs),
      stages: JSON.stringify(input.stages),
      soak: input.soakSeconds,
      timeout: input.deviceTimeoutSeconds,
      halt: JSON.stringify(input.halt),
      by: input.createdBy,
      now,
    })
    for (const [rank, d] of cohortOrder(input.id, input.devices).entries()) {
      q.insertDevice.run(input.id, d.sensor, d.borough, rank, now)
    }
    const stages = input.stages.map((s) => `${s.name}${s.pause ? ' (pause)' : ''}`).join(', ')
    audit(
      input.createdBy,
      'rollout.create',
      input.id,
      `${input.release} to ${input.devices.length} devices in ${boroughs.join(', ')}; stages ${stages}`,
    )
  })
}

/** A state change from one of `from`, audited; halted or cancelled, queued update commands are cancelled. */
function setStateTransaction(r: RegistryDb, q: Statements, audit: Audit, commands: CommandLog) {
  return writeTransaction(r.db, (id: string, from: readonly string[], to: string, actor: string, reason?: string) => {
    const row = q.get.get(id)
    if (!row || !from.includes(row.state)) return false
    q.setState.run(to, reason ?? null, r.now(), id, row.state)
    audit(actor, `rollout.${VERB[to]}`, id, reason ?? `${row.state} -> ${to}`)
    if (to === 'halted' || to === 'cancelled') {
      for (const d of q.devices.all(id)) if (d.command && d.state === 'pending') commands.cancel(d.command)
    }
    return true
  })
}

export function rolloutMethods(r: RegistryDb, commands: CommandLog): RolloutMethods {
  const q = statements(r)
  const audit: Audit = (actor, action, id, detail) => r.audit(actor, action, undefined, `rollout ${id}: ${detail}`)
  const create = createTransaction(r, q, audit)
  const setState = setStateTransaction(r, q, audit, commands)
  const target = writeTransaction(r.db, (id: string, sensor: string, t: Parameters<FleetLog['targetDevice']>[2]) => {
    const now = r.now()
    const state = t.state ?? 'pending'
    const changed =
      q.target.run(t.stage, t.command?.id ?? null, state, t.error ?? null, now, t.deadline, now, id, sensor).changes ===
      1
    if (changed && t.command) commands.issue(t.command)
    return changed
  })
  return {
    createRollout(input) {
      create(input)
      return toRollout(q.get.get(input.id)!)
    },
    getRollout: (id) => {
      const row = q.get.get(id)
      return row ? toRollout(row) : undefined
    },
    listRollouts(filter = {}) {
      const where = filter.states?.length ? `WHERE state IN (${filter.states.map(() => '?').join(', ')})` : ''
      const rows = r.db
        .prepare<string[], RolloutRow>(`SELECT * FROM rollouts ${where} ORDER BY created_at DESC, rowid DESC`)
        .all(...(filter.states ?? []))
        .map(toRollout)
        .filter((ro) => !filter.boroughs || ro.boroughs.some((b) => filter.boroughs!.includes(b)))
      return rows.slice(0, filter.limit ?? 100)
    },
    rolloutDevices(id, filter = {}) {
      const rows = q.devices.all(id).map(toDevice)
      return filter.boroughs ? rows.filter((d) => filter.boroughs!.includes(d.borough)) : rows
    },
    counts: (id) => countDevices(q.devices.all(id).map(toDevice)),
    setRolloutState: (id, from, to, actor, reason) => setState(id, from, to, actor, reason),
    markStageSettled: (id, stage, at) => void q.settle.run(at, r.now(), id, stage),
    advanceStage(id, stage, actor) {
      const now = r.now()
      const moved = q.advance.run(now, now, id, stage).changes === 1
      if (moved) audit(actor, 'rollout.stage', id, `stage ${stage + 1} begins`)
      return moved
    },
    targetDevice: (id, sensor, t) => target(id, sensor, t),
    updateDevice(id, sensor, state, error) {
      if (state === 'waiting') return false
      return q.update.run(state, error ?? null, r.now(), id, sensor).changes === 1
    },
  }
}
