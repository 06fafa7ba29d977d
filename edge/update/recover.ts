/**
 * A trial that nobody finishes: the node lost power, rebooted, or the updater died between the
 * switch and the verdict. The agent unit runs `updater recover` before every start
 * (ExecStartPre) and again when it fails for good (OnFailure): if update-state.json says a trial
 * is on but the updater that owns it is gone (another boot, or its process is dead), `current`
 * goes back to the release it came from before the agent starts. While the owner is alive this
 * does nothing, so the updater's own restarts during a trial are left alone. Idempotent: systemd
 * may call it on every failed start. The version is not marked bad: a power cut is not its fault,
 * and a version that really fails is caught when the rollout tries it again.
 */
import { linkedVersion, switchLink } from './layout.js'
import type { Restarter } from './restarter.js'
import { bootId, readUpdateState, type Trial, withOutcome, writeUpdateState } from './state.js'

export interface RecoverResult {
  action: 'none' | 'rolled_back' | 'failed'
  reason: string
}

function ownerAlive(trial: Trial): boolean {
  if (trial.bootId !== bootId()) return false
  try {
    process.kill(trial.updaterPid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to someone else (still alive).
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function recoverInterruptedTrial(opts: {
  root: string
  stateFile: string
  restarter?: Restarter
}): Promise<RecoverResult> {
  const state = readUpdateState(opts.stateFile)
  const trial = state.trial
  if (state.state !== 'installed' || !trial) return { action: 'none', reason: `no trial (state ${state.state})` }
  if (ownerAlive(trial)) return { action: 'none', reason: `the updater (pid ${trial.updaterPid}) is running the trial` }
  const reason = `the trial of ${trial.version} was interrupted (reboot, power loss or updater crash) before its health check passed`
  if (!trial.from || linkedVersion(opts.root) === trial.from) {
    const outcome = trial.from ? 'rolled_back' : 'failed'
    writeUpdateState(
      opts.stateFile,
      withOutcome(
        { ...state, state: outcome, trial: undefined, lastError: reason },
        { version: trial.version, outcome, reason },
      ),
    )
    return { action: outcome, reason }
  }
  switchLink(opts.root, trial.from)
  writeUpdateState(
    opts.stateFile,
    withOutcome(
      { ...state, state: 'rolled_back', current: trial.from, trial: undefined, lastError: reason },
      { version: trial.version, outcome: 'rolled_back', reason },
    ),
  )
  await opts.restarter?.restart()
  return { action: 'rolled_back', reason }
}
