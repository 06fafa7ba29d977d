/**
 * What the heartbeat says about updates: the outcome of the node's last agent update, read from
 * the updater's update-state.json (the agent only reads it; the updater owns it). The ingest
 * turns it into per-device gauges, so the rollout alert sees failures and rollbacks per release.
 */
import type { DeviceStatus } from '../../schemas/index.js'
import { readUpdateState } from './state.js'

export function updateReport(stateFile: string | undefined): DeviceStatus['update'] | undefined {
  if (!stateFile) return undefined
  const state = readUpdateState(stateFile)
  const last = state.history.at(-1)
  const time = state.time
  switch (state.state) {
    case 'installed':
      return state.trial ? { state: 'installed', version: state.trial.version, time } : undefined
    case 'healthy':
      return state.current ? { state: 'healthy', version: state.current, time } : undefined
    case 'failed':
    case 'rolled_back':
      if (!last) return undefined
      return {
        state: state.state,
        version: last.version,
        ...(state.lastError ? { reason: state.lastError.slice(0, 500) } : {}),
        time,
      }
    default:
      return undefined
  }
}
