/**
 * installRelease(dir): the agent tier's A/B update. Verify (signature by the pinned key, kind,
 * expiry, newer than what runs, not a version that already failed here), unpack beside the
 * running release, persist the trial, switch `current` atomically, restart, and wait for the
 * health check. Healthy: commit (the old release becomes `previous`). Not healthy by the
 * deadline, or the restart failed: switch back, restart, and record the reason (rolled_back).
 * Called by the updater's command line (`install DIR`) and for update commands (`take`, handoff.ts).
 */
import type { KeyObject } from 'node:crypto'
import type { Logger } from 'pino'
import { StreetsenseError } from '../../core/index.js'
import { waitHealthy } from './health.js'
import { linkedVersion, pruneReleases, switchLink, unpackAgent } from './layout.js'
import { verifyRelease } from './manifest.js'
import type { Restarter } from './restarter.js'
import { bootId, readUpdateState, type UpdateState, withOutcome, writeUpdateState } from './state.js'

export interface UpdaterContext {
  /** /opt/streetsense: releases/, current, previous. */
  root: string
  /** update-state.json (outside root/releases). */
  stateFile: string
  publicKey: KeyObject
  restarter: Restarter
  /** One health.json per agent instance (its dataDir). */
  healthFiles: string[]
  healthTimeoutMs: number
  logger: Logger
  now?: () => number
}

export interface InstallOutcome {
  outcome: 'healthy' | 'rolled_back' | 'failed'
  version: string
  from?: string
  reason?: string
}

const refuse = (message: string, field: string) => new StreetsenseError('IOT_EDGE_UPDATE_REFUSED', message, field)

async function restartAndCheck(
  ctx: UpdaterContext,
  version: string,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const now = ctx.now ?? Date.now
  const since = now()
  try {
    await ctx.restarter.restart()
  } catch (err) {
    // systemd says the start failed (e.g. the process exited before READY): the check decides.
    ctx.logger.warn({ err: (err as Error).message, version }, 'restart reported a failure')
  }
  return waitHealthy({ files: ctx.healthFiles, version, since, deadline: since + ctx.healthTimeoutMs, now })
}

/** Switches back to `to`, restarts and checks it; records rolled_back (or failed if that fails too). */
export async function rollBack(
  ctx: UpdaterContext,
  failedVersion: string,
  to: string | undefined,
  reason: string,
): Promise<InstallOutcome> {
  const state = readUpdateState(ctx.stateFile)
  const bad = [...new Set([...state.bad, failedVersion])]
  if (!to) {
    writeUpdateState(
      ctx.stateFile,
      withOutcome(
        { ...state, state: 'failed', trial: undefined, lastError: reason, bad },
        { version: failedVersion, outcome: 'failed', reason },
      ),
    )
    return { outcome: 'failed', version: failedVersion, reason: `${reason}; no previous release to go back to` }
  }
  ctx.logger.warn({ version: failedVersion, to, reason }, 'rolling back')
  switchLink(ctx.root, to)
  const check = await restartAndCheck(ctx, to)
  const outcome = check.ok ? 'rolled_back' : 'failed'
  const why = check.ok ? reason : `${reason}; after rolling back to ${to}: ${check.reason}`
  const next: UpdateState = { ...state, state: outcome, current: to, trial: undefined, lastError: why, bad }
  writeUpdateState(ctx.stateFile, withOutcome(next, { version: failedVersion, outcome, reason: why }))
  return { outcome, version: failedVersion, from: to, reason: why }
}

function refuseBusyOrBad(state: UpdateState, version: string): void {
  if (state.state === 'installed' && state.trial) {
    throw refuse(`an update to ${state.trial.version} is on trial; wait for it (or run recover)`, 'state')
  }
  if (state.bad.includes(version))
    throw refuse(`version ${version} failed its health check on this node before`, 'version')
}

export async function installRelease(
  dir: string,
  ctx: UpdaterContext,
  opts: { commandId?: string } = {},
): Promise<InstallOutcome> {
  const now = ctx.now ?? Date.now
  const from = linkedVersion(ctx.root)
  const release = await verifyRelease(dir, {
    publicKey: ctx.publicKey,
    kind: 'agent',
    installed: from,
    now: new Date(now()),
  })
  const { version } = release.manifest
  const state = readUpdateState(ctx.stateFile)
  refuseBusyOrBad(state, version)
  await unpackAgent(release, ctx.root)
  const startedAt = now()
  // The trial is on disk before the switch: a power cut from here on is recovered at next start.
  writeUpdateState(ctx.stateFile, {
    ...state,
    state: 'installed',
    current: from,
    trial: {
      version,
      ...(opts.commandId ? { commandId: opts.commandId } : {}),
      from,
      startedAt: new Date(startedAt).toISOString(),
      deadline: new Date(startedAt + ctx.healthTimeoutMs).toISOString(),
      updaterPid: process.pid,
      bootId: bootId(),
    },
  })
  ctx.logger.info({ version, from }, 'switching to the new release')
  switchLink(ctx.root, version)
  const check = await restartAndCheck(ctx, version)
  if (!check.ok) return rollBack(ctx, version, from, check.reason)
  if (from) switchLink(ctx.root, from, 'previous')
  const healthy: UpdateState = {
    ...readUpdateState(ctx.stateFile),
    state: 'healthy',
    current: version,
    previous: from,
    trial: undefined,
    lastError: undefined,
  }
  writeUpdateState(ctx.stateFile, withOutcome(healthy, { version, outcome: 'healthy' }))
  const removed = pruneReleases(ctx.root, [version, from])
  ctx.logger.info({ version, from, removed }, 'update healthy')
  return { outcome: 'healthy', version, from }
}

/** An operator's rollback to the previous release (allowed although it is older: it ran here before). */
export async function rollBackToPrevious(ctx: UpdaterContext): Promise<InstallOutcome> {
  const current = linkedVersion(ctx.root)
  const previous = linkedVersion(ctx.root, 'previous')
  if (!current || !previous || previous === current)
    throw refuse('there is no previous release to roll back to', 'previous')
  const outcome = await rollBack(ctx, current, previous, 'rolled back by an operator')
  if (outcome.outcome === 'rolled_back') {
    // The operator's choice is not a verdict on the version: it may be installed again.
    const state = readUpdateState(ctx.stateFile)
    writeUpdateState(ctx.stateFile, { ...state, bad: state.bad.filter((v) => v !== current) })
  }
  return outcome
}
