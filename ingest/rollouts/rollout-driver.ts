/**
 * Moves rollouts on, every `rolloutPollMs` (the state is all in the registry, so it carries on
 * after a restart, and ingest instances that split the boroughs share the work). For each running
 * or paused rollout:
 * 1. the devices of this instance's boroughs that were sent the update take the state their
 *    answers say (device-progress.ts), failing at their deadline;
 * 2. the halt rule (registry/rollout-plan.ts) over all its devices: halted, nothing more is sent;
 * 3. running: the devices the current stage reaches are sent the update (a device already on that
 *    version or newer is skipped), each command issued with the rollout's creator as its issuer;
 * 4. when every device the stage reaches is settled and the soak time has passed since: the next
 *    stage (and a pause if the stage asks for one), or completed.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { compareVersions } from '../../core/index.js'
import {
  countDevices,
  haltReason,
  isFinal,
  type NewCommand,
  type Registry,
  type ReleaseRecord,
  type RolloutDevice,
  type RolloutRecord,
  stageReach,
} from '../../registry/index.js'
import { progressOf } from './device-progress.js'

export interface DriverDeps {
  registry: Registry
  log: Logger
  /** This instance's boroughs (empty: all). */
  boroughs: readonly string[]
  /** Who the driver's own steps are audited as (the ingest's account). */
  actor: string
  /** Base URL of the release store as nodes reach it. */
  releaseBaseUrl(): string
  /** The commands were queued: send them now. */
  wake(): void
  onHalt?(rollout: RolloutRecord, reason: string): void
  now?(): number
}

export class RolloutDriver {
  private readonly now: () => number

  constructor(private readonly deps: DriverDeps) {
    this.now = deps.now ?? Date.now
  }

  tick(): void {
    for (const rollout of this.deps.registry.fleet.listRollouts({ states: ['running', 'paused'], limit: 1000 })) {
      try {
        this.step(rollout)
      } catch (err) {
        this.deps.log.error({ err, rollout: rollout.id }, 'rollout step failed')
      }
    }
  }

  private own(d: Pick<RolloutDevice, 'borough'>): boolean {
    return this.deps.boroughs.length === 0 || this.deps.boroughs.includes(d.borough)
  }

  step(rollout: RolloutRecord): void {
    const { fleet } = this.deps.registry
    this.refresh(rollout)
    const devices = fleet.rolloutDevices(rollout.id)
    const reason = haltReason(countDevices(devices), rollout.halt)
    if (reason) {
      this.halt(rollout, reason)
      return
    }
    if (rollout.state !== 'running') return
    const reach = stageReach(rollout.stages, rollout.stage, devices.length)
    const release = fleet.getRelease(rollout.release)
    if (!release) {
      this.halt(rollout, `release ${rollout.release} is no longer in the registry`)
      return
    }
    let sent = 0
    for (const d of devices.slice(0, reach)) {
      if (d.state === 'waiting' && this.own(d) && this.target(rollout, release, d)) sent++
    }
    if (sent > 0) {
      this.deps.log.info(
        { rollout: rollout.id, stage: rollout.stages[rollout.stage]?.name, sent },
        'rollout: update sent',
      )
      this.deps.wake()
    }
    if (sent === 0) this.settle(rollout, devices.slice(0, reach))
  }

  /** New states of this instance's devices on their way, from their answers and deadlines. */
  private refresh(rollout: RolloutRecord): void {
    const { fleet, commands } = this.deps.registry
    for (const d of fleet.rolloutDevices(rollout.id)) {
      if (d.state === 'waiting' || isFinal(d.state) || !this.own(d)) continue
      const progress = progressOf(d, d.command ? commands.get(d.command) : undefined, this.now())
      if (progress && (progress.state !== d.state || progress.error)) {
        fleet.updateDevice(rollout.id, d.sensor, progress.state, progress.error)
      }
    }
  }

  private target(rollout: RolloutRecord, release: ReleaseRecord, d: RolloutDevice): boolean {
    const { registry } = this.deps
    const { fleet } = registry
    const now = this.now()
    const deadline = new Date(now + rollout.deviceTimeoutSeconds * 1000).toISOString()
    const t = { stage: rollout.stage, deadline }
    const running = fleet.deviceStates({ sensors: [d.sensor] })[0]?.agentVersion
    if (running && isNewerOrSame(running, release.version)) {
      return fleet.targetDevice(rollout.id, d.sensor, { ...t, state: 'skipped', error: `already runs ${running}` })
    }
    if (registry.getSensor(d.sensor)?.entry.status !== 'active') {
      return fleet.targetDevice(rollout.id, d.sensor, {
        ...t,
        state: 'skipped',
        error: 'not an active sensor any more',
      })
    }
    const command: NewCommand = {
      id: randomUUID(),
      sensor: d.sensor,
      borough: d.borough,
      command: 'update',
      args: {
        manifest: release.manifest,
        signature: release.signature,
        url: `${this.deps.releaseBaseUrl().replace(/\/+$/, '')}/v1/releases/${release.id}/${release.file}`,
        rollout: rollout.id,
      },
      by: rollout.createdBy,
      issuedAt: new Date(now).toISOString(),
      expiresAt: deadline,
    }
    return fleet.targetDevice(rollout.id, d.sensor, { ...t, command })
  }

  /** Every device of the stage settled: soak, then the next stage (a pause if asked), or done. */
  private settle(rollout: RolloutRecord, reached: RolloutDevice[]): void {
    const { fleet } = this.deps.registry
    if (!reached.every((d) => isFinal(d.state))) return
    const now = this.now()
    if (!rollout.stageSettledAt) {
      fleet.markStageSettled(rollout.id, rollout.stage, new Date(now).toISOString())
      if (rollout.soakSeconds > 0) return
    } else if (now < Date.parse(rollout.stageSettledAt) + rollout.soakSeconds * 1000) return
    const stage = rollout.stages[rollout.stage]!
    if (rollout.stage === rollout.stages.length - 1) {
      fleet.setRolloutState(
        rollout.id,
        ['running'],
        'completed',
        this.deps.actor,
        `every stage done (last: ${stage.name})`,
      )
      this.deps.log.info({ rollout: rollout.id }, 'rollout completed')
      return
    }
    if (!fleet.advanceStage(rollout.id, rollout.stage, this.deps.actor)) return
    if (stage.pause) {
      fleet.setRolloutState(
        rollout.id,
        ['running'],
        'paused',
        this.deps.actor,
        `paused after stage ${stage.name}: resume it to go on`,
      )
    }
    this.deps.log.info(
      { rollout: rollout.id, done: stage.name, next: rollout.stages[rollout.stage + 1]?.name },
      'rollout: next stage',
    )
  }

  private halt(rollout: RolloutRecord, reason: string): void {
    if (!this.deps.registry.fleet.setRolloutState(rollout.id, ['running', 'paused'], 'halted', this.deps.actor, reason))
      return
    this.deps.log.warn({ rollout: rollout.id, release: rollout.release, reason }, 'rollout halted')
    this.deps.onHalt?.(rollout, reason)
  }
}

function isNewerOrSame(running: string, version: string): boolean {
  try {
    return compareVersions(running, version) >= 0
  } catch {
    return false // not a version we can compare (e.g. "unknown"): send it, the node decides
  }
}
