/**
 * Where one device of a rollout stands, from its update command's record in the commands table
 * (the answers the device sent on `result`, which the ingest recorded) and the device's deadline:
 * accepted with detail.state pending, downloading or installed; done = healthy; failed = failed
 * or rolled_back (detail.state); refused = failed, with the reason; a command that expired or was
 * cancelled before it was sent, or no final answer by the deadline, is a failure too.
 */
import type { CommandRecord, RolloutDevice, RolloutDeviceState } from '../../registry/index.js'

export interface Progress {
  state: RolloutDeviceState
  error?: string
}

const PROGRESS_STATES: readonly RolloutDeviceState[] = ['pending', 'downloading', 'installed']

function fromAnswer(command: CommandRecord): Progress | undefined {
  const r = command.result
  if (!r) return undefined
  const detailState = typeof r.detail?.state === 'string' ? (r.detail.state as RolloutDeviceState) : undefined
  const why = r.reason ? `${r.code ? `${r.code}: ` : ''}${r.reason}` : undefined
  switch (r.status) {
    case 'accepted':
      return { state: detailState && PROGRESS_STATES.includes(detailState) ? detailState : 'pending' }
    case 'done':
      return { state: 'healthy' }
    case 'failed':
      return { state: detailState === 'rolled_back' ? 'rolled_back' : 'failed', ...(why ? { error: why } : {}) }
    default:
      return { state: 'failed', error: why ?? 'refused' }
  }
}

/** The device's state now; undefined when nothing new can be said. */
export function progressOf(
  device: RolloutDevice,
  command: CommandRecord | undefined,
  now: number,
): Progress | undefined {
  if (command?.state === 'expired')
    return { state: 'failed', error: 'the update command expired before it could be sent' }
  if (command?.state === 'cancelled')
    return { state: 'failed', error: 'the update command was cancelled: its issuer may no longer command this device' }
  const answered = command ? fromAnswer(command) : undefined
  const final = answered && !PROGRESS_STATES.includes(answered.state)
  if (!final && device.deadline && Date.parse(device.deadline) <= now) {
    const last = answered?.state ?? device.state
    return {
      state: 'failed',
      error: `no report of success before the deadline ${device.deadline} (last state: ${last})`,
    }
  }
  return answered
}
