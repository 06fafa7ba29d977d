/**
 * The commands table's public types: one row per command to one device (who issued it, when, for
 * which sensor, until when), whether the platform has sent it, and the device's latest answer.
 */
import type { CommandResult, DeviceCommand } from '../schemas/index.js'

export type CommandName = DeviceCommand['command']
/**
 * queued: written, not yet published; sent: the broker has it; expired: its expiry passed while
 * queued; cancelled: not sent, because its issuer may no longer command that device.
 */
export type CommandState = 'queued' | 'sent' | 'expired' | 'cancelled'
/** The command's own fields (e.g. `interval`, or `from` and `to`), without the envelope. */
export type CommandArgs = Record<string, unknown>

export interface NewCommand {
  id: string
  sensor: string
  borough: string
  command: CommandName
  args: CommandArgs
  /** Who asked for it: the operator's account, or a service account (gap repair). */
  by: string
  issuedAt: string
  expiresAt: string
}

export interface CommandOutcome {
  status: CommandResult['status']
  reason?: string
  code?: string
  detail?: CommandResult['detail']
  /** The device's time of the answer. */
  time: string
}

export interface CommandRecord extends NewCommand {
  state: CommandState
  sentAt?: string
  /** The device's latest answer (a final done/refused is never replaced by an accepted). */
  result?: CommandOutcome
  updatedAt: string
}

export interface CommandFilter {
  sensor?: string
  /** Only commands to sensors of these boroughs. */
  boroughs?: readonly string[]
  state?: CommandState
  limit?: number
}

/** How a command the broker let through relates to the table (see CommandLog.relay). */
export type RelayOutcome = 'new' | 'known' | 'conflict'

export interface CommandLog {
  /**
   * Records a new command, queued for the ingest to send, audited as `command.issue` by `actor`
   * (default: its `by`). Refuses one that is not a valid command (IOT_REGISTRY_INVALID_ENTRY,
   * field `command`, `args.<name>` or the envelope field) or whose id is taken.
   */
  issue(command: NewCommand, actor?: string): CommandRecord
  /**
   * The broker accepted a PUBLISH of this command from `actor` (audited as `command.publish`).
   * 'new': it was not in the table and is now (state sent, also audited as `command.issue`);
   * 'known': the table has it with the same sensor, command and args; 'conflict': its id is
   * taken by another command (the broker refuses it).
   */
  relay(command: NewCommand, actor: string): RelayOutcome
  get(id: string): CommandRecord | undefined
  /** Newest first. */
  list(filter?: CommandFilter): CommandRecord[]
  /** Queued commands of these boroughs (every borough when the list is empty), oldest first. */
  queued(boroughs: readonly string[], limit: number): CommandRecord[]
  /** The broker acknowledged the command's PUBLISH. False when it was not queued. */
  markSent(id: string): boolean
  /** Queued commands whose expiry is before `now` become expired (never sent); returns how many. */
  expireQueued(now?: string): number
  /** A queued command that will not be sent (its issuer lost the right). False when it was not queued. */
  cancel(id: string): boolean
  /** A device's answer, kept only for a command to that same sensor. False when there is none. */
  recordResult(sensor: string, result: CommandResult): boolean
  /** Deletes commands issued before `before` that are no longer queued; returns how many. */
  prune(before: string): number
}
