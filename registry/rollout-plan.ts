/**
 * The rules of a staged rollout, as pure functions shared by the register (which checks a new
 * rollout), the ingest (which drives it) and the CLI:
 * - cohorts: each device's place comes from SHA-256(rollout id + sensor id), so the order is
 *   stable for the rollout and unrelated between rollouts; a stage covers the first devices of
 *   that order, a count or a percentage of the rollout's devices (rounded up), cumulatively, so
 *   raising the percentage only ever adds devices;
 * - halt: at `failures` failed devices (default 3), or more than `rate` (5 %) of the devices
 *   tried once at least `minDevices` (20) were; a device that has not reported success by its
 *   deadline counts as failed.
 */
import { createHash } from 'node:crypto'
import { StreetsenseError } from '../core/index.js'
import {
  FAILED_DEVICE_STATES,
  FINAL_DEVICE_STATES,
  type HaltRule,
  type RolloutCounts,
  type RolloutDevice,
  type RolloutDeviceState,
  type RolloutStage,
} from './fleet-types.js'

export const DEFAULT_HALT: HaltRule = { failures: 3, rate: 0.05, minDevices: 20 }
export const DEFAULT_STAGES = 'canary:1,5%,25%,100%'
export const MAX_STAGES = 10
const STAGE_NAME = /^[A-Za-z0-9%._-]{1,20}$/

const usage = (message: string, field: string) => new StreetsenseError('IOT_REGISTRY_INVALID_RECORD', message, field)

/** Where a device falls in a rollout's order: a number in [0, 1). */
export function bucketOf(rolloutId: string, sensor: string): number {
  return createHash('sha256').update(`${rolloutId}\0${sensor}`).digest().readUInt32BE(0) / 2 ** 32
}

/** The devices in the rollout's order (ties, which SHA-256 makes unlikely, by sensor id). */
export function cohortOrder<T extends { sensor: string }>(
  rolloutId: string,
  devices: readonly T[],
): (T & { bucket: number })[] {
  return devices
    .map((d) => ({ ...d, bucket: bucketOf(rolloutId, d.sensor) }))
    .sort((a, b) => a.bucket - b.bucket || (a.sensor < b.sensor ? -1 : 1))
}

/**
 * `canary:1,5%,25%,100%`: a named count, or a percentage (named after itself). `pauseAfter` names
 * the stages after which the rollout waits for an operator.
 */
export function parseStages(spec: string, pauseAfter: readonly string[] = []): RolloutStage[] {
  const stages = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part): RolloutStage => {
      const percent = /^(\d+(?:\.\d+)?)%$/.exec(part)
      if (percent) return { name: part, percent: Number(percent[1]) }
      const named = /^([^:]+):(\d+)(%?)$/.exec(part)
      if (!named) throw usage(`stage ${part} is not NAME:COUNT, NAME:PERCENT% or PERCENT%`, 'stages')
      return named[3] ? { name: named[1]!, percent: Number(named[2]) } : { name: named[1]!, count: Number(named[2]) }
    })
  for (const name of pauseAfter) {
    const stage = stages.find((s) => s.name === name)
    if (!stage)
      throw usage(`pause after ${name}: no such stage (stages: ${stages.map((s) => s.name).join(', ')})`, 'pause_after')
    stage.pause = true
  }
  checkStages(stages)
  return stages
}

export function checkStages(stages: readonly RolloutStage[]): void {
  if (stages.length === 0 || stages.length > MAX_STAGES)
    throw usage(`a rollout has 1 to ${MAX_STAGES} stages`, 'stages')
  const names = new Set<string>()
  stages.forEach((s, i) => {
    const field = `stages/${i}`
    if (!STAGE_NAME.test(s.name)) throw usage(`stage name ${s.name} must be 1-20 of A-Z a-z 0-9 % . _ -`, field)
    if (names.has(s.name)) throw usage(`stage name ${s.name} is used twice`, field)
    names.add(s.name)
    if ((s.count === undefined) === (s.percent === undefined))
      throw usage(`stage ${s.name} needs a count or a percent`, field)
    if (s.count !== undefined && (!Number.isInteger(s.count) || s.count < 1))
      throw usage(`stage ${s.name}: count must be a whole number >= 1`, field)
    if (s.percent !== undefined && !(s.percent > 0 && s.percent <= 100))
      throw usage(`stage ${s.name}: percent must be above 0 and at most 100`, field)
  })
}

/** How many devices (from the start of the order) stages 0..`stage` cover together. */
export function stageReach(stages: readonly RolloutStage[], stage: number, devices: number): number {
  let reach = 0
  for (const s of stages.slice(0, stage + 1)) {
    const own = s.count ?? Math.ceil((devices * (s.percent ?? 0)) / 100)
    reach = Math.max(reach, Math.min(devices, own))
  }
  return reach
}

export function checkHaltRule(rule: HaltRule): void {
  if (!Number.isInteger(rule.failures) || rule.failures < 1)
    throw usage('halt failures must be a whole number >= 1', 'halt.failures')
  if (!(rule.rate > 0 && rule.rate <= 1)) throw usage('halt rate must be above 0 and at most 1', 'halt.rate')
  if (!Number.isInteger(rule.minDevices) || rule.minDevices < 1)
    throw usage('halt min devices must be a whole number >= 1', 'halt.min_devices')
}

export const isFinal = (s: RolloutDeviceState) => FINAL_DEVICE_STATES.includes(s)
export const isFailure = (s: RolloutDeviceState) => FAILED_DEVICE_STATES.includes(s)

export function countDevices(devices: readonly Pick<RolloutDevice, 'state'>[]): RolloutCounts {
  const counts = {
    total: devices.length,
    targeted: 0,
    waiting: 0,
    pending: 0,
    downloading: 0,
    installed: 0,
    healthy: 0,
    failed: 0,
    rolled_back: 0,
    skipped: 0,
  }
  for (const d of devices) {
    counts[d.state]++
    if (d.state !== 'waiting' && d.state !== 'skipped') counts.targeted++
  }
  return counts
}

/** Why the rollout must halt now, or undefined. Skipped devices did not try, so they do not count. */
export function haltReason(counts: RolloutCounts, rule: HaltRule): string | undefined {
  const failed = counts.failed + counts.rolled_back
  const tried = counts.targeted
  const what = `${failed} of ${tried} devices failed (failed or rolled back, or no report before their deadline)`
  if (failed >= rule.failures) return `${what}: ${rule.failures} or more`
  if (tried >= rule.minDevices && failed / tried > rule.rate) {
    return `${what}: more than ${Math.round(rule.rate * 1000) / 10} % of at least ${rule.minDevices}`
  }
  return undefined
}
