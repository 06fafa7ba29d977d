import type { NewCommand } from './command-types.js'

/**
 * The fleet's records in the registry: signed releases published to the platform's release
 * store, rollouts (a release, a cohort, stages, a halt rule) with the state of each of their
 * devices, and what the ingest last heard from each device about its agent (version, update
 * state, interval). The register shows them (admin API, `streetsense fleet status`); the ingest's
 * rollout driver moves them on.
 */

export interface NewRelease {
  /** `<kind>-<version>`, e.g. agent-1.4.0. */
  id: string
  kind: 'agent' | 'firmware'
  version: string
  file: string
  length: number
  sha256: string
  expires: string
  /** manifest.json, its exact bytes (the signature covers them). */
  manifest: string
  /** The detached Ed25519 signature, base64. */
  signature: string
}

export interface ReleaseRecord extends NewRelease {
  publishedBy: string
  publishedAt: string
}

/**
 * One stage of a rollout: how many devices it covers in total (a count, or a percentage of the
 * rollout's devices, rounded up), cumulative over the stages before it; `pause` stops the rollout
 * after the stage until an operator resumes it (a manual gate, e.g. after the canary).
 */
export interface RolloutStage {
  name: string
  count?: number
  percent?: number
  pause?: boolean
}

/** Halt when `failures` devices failed, or more than `rate` of them with at least `minDevices` tried. */
export interface HaltRule {
  failures: number
  rate: number
  minDevices: number
}

/** What the operator asked for (the devices it resolved to are recorded with the rollout). */
export interface RolloutTarget {
  boroughs?: string[]
  sensors?: string[]
  /** The share of the devices the rollout ends at. */
  percent?: number
}

export type RolloutState = 'running' | 'paused' | 'halted' | 'completed' | 'cancelled'
/** waiting: not targeted yet; skipped: already ran the version or a newer one. */
export type RolloutDeviceState =
  | 'waiting'
  | 'pending'
  | 'downloading'
  | 'installed'
  | 'healthy'
  | 'failed'
  | 'rolled_back'
  | 'skipped'

export const FINAL_DEVICE_STATES: readonly RolloutDeviceState[] = ['healthy', 'failed', 'rolled_back', 'skipped']
export const FAILED_DEVICE_STATES: readonly RolloutDeviceState[] = ['failed', 'rolled_back']

export interface NewRollout {
  id: string
  release: string
  target: RolloutTarget
  stages: RolloutStage[]
  soakSeconds: number
  deviceTimeoutSeconds: number
  halt: HaltRule
  /** The devices the target resolved to when the rollout was made (active sensors in scope). */
  devices: { sensor: string; borough: string }[]
  createdBy: string
}

export interface RolloutRecord extends Omit<NewRollout, 'devices'> {
  /** The boroughs of its devices: who may see and steer it. */
  boroughs: string[]
  /** Index of the stage in progress. */
  stage: number
  stageStartedAt: string
  /** When every device of the stage so far had a final state (the soak runs from here). */
  stageSettledAt?: string
  state: RolloutState
  reason?: string
  createdAt: string
  updatedAt: string
}

export interface RolloutDevice {
  rollout: string
  sensor: string
  borough: string
  /** Place in the rollout's hash order (0 first): stages take devices in this order. */
  rank: number
  /** The stage that targeted it (undefined: not yet). */
  stage?: number
  command?: string
  state: RolloutDeviceState
  error?: string
  targetedAt?: string
  deadline?: string
  updatedAt: string
}

export type RolloutCounts = Record<RolloutDeviceState, number> & { total: number; targeted: number }

/** What the ingest last heard from a device about itself (heartbeats and readings). */
export interface DeviceObservation {
  sensor: string
  borough: string
  intervalSeconds?: number
  agentVersion?: string
  update?: { state: string; version: string; reason?: string; time: string }
  heartbeatAt?: string
}

export interface DeviceStateRecord extends DeviceObservation {
  updatedAt: string
}

export interface DeviceTargeting {
  stage: number
  deadline: string
  command?: NewCommand
  state?: RolloutDeviceState
  error?: string
}

export interface FleetLog {
  /** Records a verified release (audited `release.publish`); its id must be new. */
  publishRelease(release: NewRelease, actor: string): ReleaseRecord
  getRelease(id: string): ReleaseRecord | undefined
  listReleases(): ReleaseRecord[]
  /** Records a rollout and its devices in hash order (audited `rollout.create`). */
  createRollout(rollout: NewRollout): RolloutRecord
  getRollout(id: string): RolloutRecord | undefined
  /** Newest first; only those touching one of `boroughs` when given. */
  listRollouts(filter?: {
    boroughs?: readonly string[]
    states?: readonly RolloutState[]
    limit?: number
  }): RolloutRecord[]
  rolloutDevices(id: string, filter?: { boroughs?: readonly string[] }): RolloutDevice[]
  counts(id: string): RolloutCounts
  /**
   * Moves a rollout from one of `from` to `to` (audited `rollout.<verb>`); false when it was not in
   * `from`. Halted or cancelled, its update commands not yet sent are cancelled with it.
   */
  setRolloutState(id: string, from: readonly RolloutState[], to: RolloutState, actor: string, reason?: string): boolean
  /** Every device of the stage has a final state since `at` (first call wins). */
  markStageSettled(id: string, stage: number, at: string): void
  /** Moves a running rollout from `stage` to the next one; false when another instance did it first. */
  advanceStage(id: string, stage: number, actor: string): boolean
  /**
   * The device is targeted by `stage`: its update command is issued (queued for the ingest,
   * audited) in the same transaction, or it is settled at once (`state` skipped or failed, with
   * `error`). False when it was not waiting (another ingest instance took it).
   */
  targetDevice(id: string, sensor: string, t: DeviceTargeting): boolean
  /** A new state of a targeted device (never changes a final one). */
  updateDevice(id: string, sensor: string, state: RolloutDeviceState, error?: string): boolean
  /** Keeps what the ingest learned of devices (one transaction for many). */
  observeDevices(observations: readonly DeviceObservation[]): void
  deviceStates(filter?: { boroughs?: readonly string[]; sensors?: readonly string[] }): DeviceStateRecord[]
}
