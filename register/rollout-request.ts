/**
 * A rollout as an operator asks for it (POST /v1/admin/rollouts), turned into the registry's
 * record: which release (published, an agent release, not expired), which devices (the active
 * sensors named, or of the boroughs named, or of all the account's boroughs; every one in the
 * account's boroughs, or 403), which stages (a percentage target caps them), soak, deadline and
 * halt rule. The devices are resolved now and kept with the rollout: n, the halt rule's base, does
 * not move while it runs.
 */
import { randomUUID } from 'node:crypto'
import { StreetsenseError } from '../core/index.js'
import {
  type Account,
  checkHaltRule,
  DEFAULT_HALT,
  DEFAULT_STAGES,
  type NewRollout,
  parseStages,
  type RolloutStage,
} from '../registry/index.js'
import type { ApiContext } from './api-context.js'

export interface RolloutBody {
  release: string
  boroughs?: string[]
  sensors?: string[]
  percent?: number
  stages?: string
  pause_after?: string[]
  soak_seconds?: number
  device_timeout_seconds?: number
  halt?: { failures?: number; rate?: number; min_devices?: number }
}

const bad = (message: string, field: string) => new StreetsenseError('IOT_REGISTER_BAD_PARAM', message, field)
const forbidden = (message: string) => new StreetsenseError('IOT_REGISTER_FORBIDDEN', message)

function devicesOf(ctx: ApiContext, account: Account, body: RolloutBody): { sensor: string; borough: string }[] {
  if (body.sensors?.length) {
    return body.sensors.map((id) => {
      const entry = ctx.registry.getSensor(id)?.entry
      if (!entry) throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no sensor ${id} in the register`, 'sensors')
      if (!account.boroughs.includes(entry.borough)) {
        throw forbidden(`account ${account.username} may not update sensors of ${entry.borough} (${id})`)
      }
      if (entry.status !== 'active') throw bad(`sensor ${id} is ${entry.status}, not active`, 'sensors')
      return { sensor: id, borough: entry.borough }
    })
  }
  const boroughs = body.boroughs?.length ? body.boroughs : account.boroughs
  for (const b of boroughs) {
    if (!account.boroughs.includes(b)) throw forbidden(`account ${account.username} may not update sensors of ${b}`)
  }
  return ctx.registry
    .listSensors({ status: 'active' })
    .filter((r) => boroughs.includes(r.entry.borough))
    .map((r) => ({ sensor: r.entry.id, borough: r.entry.borough }))
}

/** The stages asked for; a percentage target ends them at that share of the devices. */
function stagesOf(body: RolloutBody): RolloutStage[] {
  let stages: RolloutStage[]
  try {
    stages = parseStages(body.stages ?? DEFAULT_STAGES, body.pause_after ?? (body.stages ? [] : ['canary']))
  } catch (err) {
    const e = err as StreetsenseError
    throw bad(e.message, e.field ?? 'stages')
  }
  if (body.percent === undefined) return stages
  const below = stages.filter((s) => s.count !== undefined || (s.percent ?? 0) < body.percent!)
  return [...below, { name: `${body.percent}%`, percent: body.percent }].filter(
    (s, i, all) => all.findIndex((o) => o.name === s.name) === i,
  )
}

export function newRollout(ctx: ApiContext, account: Account, body: RolloutBody): NewRollout {
  const release = ctx.registry.fleet.getRelease(body.release)
  if (!release)
    throw new StreetsenseError(
      'IOT_REGISTER_NOT_FOUND',
      `no release ${body.release} is published (streetsense fleet publish)`,
      'release',
    )
  if (release.kind !== 'agent') {
    throw bad(`${release.id} is a ${release.kind} release: only agent releases go out by update command`, 'release')
  }
  if (Date.parse(release.expires) <= ctx.now()) {
    throw bad(`release ${release.id} expired at ${release.expires}: sign it again and publish the new one`, 'release')
  }
  const devices = devicesOf(ctx, account, body)
  if (devices.length === 0) throw bad('the target has no active sensors', 'boroughs')
  const halt = {
    failures: body.halt?.failures ?? DEFAULT_HALT.failures,
    rate: body.halt?.rate ?? DEFAULT_HALT.rate,
    minDevices: body.halt?.min_devices ?? DEFAULT_HALT.minDevices,
  }
  try {
    checkHaltRule(halt)
  } catch (err) {
    const e = err as StreetsenseError
    throw bad(e.message, e.field ?? 'halt')
  }
  return {
    id: randomUUID(),
    release: release.id,
    target: {
      ...(body.sensors?.length ? { sensors: body.sensors } : { boroughs: [...new Set(devices.map((d) => d.borough))] }),
      ...(body.percent !== undefined ? { percent: body.percent } : {}),
    },
    stages: stagesOf(body),
    soakSeconds: body.soak_seconds ?? 86_400,
    deviceTimeoutSeconds: body.device_timeout_seconds ?? 3_600,
    halt,
    devices,
    createdBy: account.username,
  }
}
