/**
 * update-state.json: what the updater knows about this node, kept outside releases/ so every
 * release (and a rollback) sees the same file. Written before each step that changes the node
 * (a trial is persisted before the switch), atomically: temp file, fsync, rename, fsync the
 * directory, so a power cut leaves the old file or the new one, never half of one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** installed = switched and on trial; healthy = the trial passed; the rest say why not. */
export type UpdateStateName = 'idle' | 'installed' | 'healthy' | 'failed' | 'rolled_back'

export interface Trial {
  version: string
  /** The update command that asked for it (a trial started on the node itself has none). */
  commandId?: string
  from?: string
  startedAt: string
  deadline: string
  updaterPid: number
  bootId: string
}

export interface HistoryEntry {
  time: string
  version: string
  outcome: Exclude<UpdateStateName, 'idle'>
  reason?: string
}

/** What became of an agent's request (an update command) handed to the updater. */
export interface RequestOutcome {
  commandId: string
  version: string
  outcome: 'healthy' | 'rolled_back' | 'failed' | 'refused'
  reason?: string
  /** The version the node runs afterwards. */
  running?: string
  time: string
}

export interface FirmwareState {
  state: 'healthy' | 'failed' | 'rolled_back'
  /** The signed firmware version on the board (undefined: the factory StandardFirmata). */
  version?: string
  /** What the board answers over Firmata with that firmware. */
  identity?: { name: string; major: number; minor: number }
  lastError?: string
  time: string
}

export interface UpdateState {
  state: UpdateStateName
  /** The version `current` points at (after a rollback: the one rolled back to). */
  current?: string
  previous?: string
  trial?: Trial
  lastError?: string
  /** Versions that failed their health check on this node: not installed again. */
  bad: string[]
  history: HistoryEntry[]
  /** The last 20 requests from update commands, for the agents to answer them. */
  requests: RequestOutcome[]
  firmware?: FirmwareState
  time: string
}

export const emptyState = (): UpdateState => ({
  state: 'idle',
  bad: [],
  history: [],
  requests: [],
  time: new Date(0).toISOString(),
})

export function readUpdateState(file: string): UpdateState {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<UpdateState>
    return {
      ...emptyState(),
      ...parsed,
      bad: parsed.bad ?? [],
      history: parsed.history ?? [],
      requests: parsed.requests ?? [],
    }
  } catch {
    return emptyState()
  }
}

/** fsync a directory so a rename or a new link in it survives a power cut. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true })
  const tmp = `${file}.tmp-${process.pid}`
  const fd = openSync(tmp, 'w', 0o644)
  try {
    writeFileSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, file)
  fsyncDir(dirname(file))
}

export function writeUpdateState(file: string, state: UpdateState): UpdateState {
  const next = { ...state, history: state.history.slice(-20), time: new Date().toISOString() }
  writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`)
  return next
}

/** Records an outcome in the history and returns the state to write. */
export function withOutcome(state: UpdateState, entry: Omit<HistoryEntry, 'time'>): UpdateState {
  return { ...state, history: [...state.history, { ...entry, time: new Date().toISOString() }] }
}

/** The kernel's id of this boot: a trial persisted under another boot id was cut short by a reboot. */
export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return 'unknown'
  }
}
