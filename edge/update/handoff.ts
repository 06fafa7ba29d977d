/**
 * The hand-over between the unprivileged agent and the root updater. The agent, having fetched
 * and checked a release for an update command, writes `request-<command id>.json` into the inbox
 * (/var/lib/streetsense/update/inbox, the only place of the updater's it may write); systemd's
 * streetsense-update.path sees it and starts `updater.mjs take` as root, which moves the request
 * out of the inbox (so a crash cannot loop on it, and the inbox empties), verifies the release
 * again itself (it does not trust the agent), installs it (installRelease: A/B, trial, health check, rollback) and records the
 * outcome for that command id in update-state.json, where the agent (the new one, or the old one
 * after a rollback) reads it and answers the command.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import type { StreetsenseError } from '../../core/index.js'
import { type InstallOutcome, installRelease, type UpdaterContext } from './install.js'
import { linkedVersion } from './layout.js'
import { type RequestOutcome, readUpdateState, writeFileAtomic, writeUpdateState } from './state.js'

export interface UpdateRequest {
  commandId: string
  version: string
  /** A complete release directory (payload, manifest.json, manifest.json.sig) the agent fetched. */
  dir: string
  sensor: string
  time: string
}

const REQUEST = /^request-([A-Za-z0-9._:-]{1,64})\.json$/

export function writeRequest(inbox: string, request: UpdateRequest): string {
  mkdirSync(inbox, { recursive: true })
  const file = join(inbox, `request-${request.commandId}.json`)
  writeFileAtomic(file, `${JSON.stringify(request)}\n`)
  return file
}

/**
 * Where taken requests go: beside the inbox, not in it, so that the inbox is empty again once
 * every request is taken (streetsense-update.path starts the updater while it is not). Requests
 * that could not be read stay there for an engineer to look at.
 */
export const takenDir = (inbox: string) => join(dirname(inbox), 'taken')

/** The oldest request in the inbox, moved out of it so it is taken only once; undefined when none. */
export function takeRequest(inbox: string): UpdateRequest | undefined {
  let names: string[]
  try {
    names = readdirSync(inbox).filter((n) => REQUEST.test(n))
  } catch {
    return undefined
  }
  mkdirSync(takenDir(inbox), { recursive: true })
  for (const name of names.sort()) {
    const taken = join(takenDir(inbox), name)
    try {
      renameSync(join(inbox, name), taken)
    } catch {
      continue // another updater took it
    }
    try {
      const request = JSON.parse(readFileSync(taken, 'utf8')) as UpdateRequest
      if (typeof request.dir !== 'string' || !isAbsolute(request.dir) || request.dir.split('/').includes('..')) continue
      rmSync(taken)
      return { ...request, commandId: REQUEST.exec(name)![1]! }
    } catch {
      // unreadable: left in taken/ for an engineer to look at
    }
  }
  return undefined
}

function record(ctx: UpdaterContext, outcome: RequestOutcome): void {
  const state = readUpdateState(ctx.stateFile)
  writeUpdateState(ctx.stateFile, { ...state, requests: [...state.requests, outcome].slice(-20) })
}

/**
 * Installs what one request names. Another agent of the node asking for the version that
 * already runs healthy (both instances got the same update) is told so at once.
 */
export async function runRequest(ctx: UpdaterContext, request: UpdateRequest): Promise<RequestOutcome> {
  const base = { commandId: request.commandId, version: request.version }
  const state = readUpdateState(ctx.stateFile)
  let outcome: RequestOutcome
  if (linkedVersion(ctx.root) === request.version && state.state === 'healthy') {
    outcome = { ...base, outcome: 'healthy', time: new Date().toISOString() }
  } else {
    try {
      const installed: InstallOutcome = await installRelease(request.dir, ctx, { commandId: request.commandId })
      outcome = {
        ...base,
        outcome: installed.outcome,
        ...(installed.reason ? { reason: installed.reason } : {}),
        ...(installed.from ? { running: installed.outcome === 'healthy' ? installed.version : installed.from } : {}),
        time: new Date().toISOString(),
      }
    } catch (err) {
      const e = err as StreetsenseError
      const refused = e.code === 'IOT_EDGE_UPDATE_REFUSED'
      outcome = { ...base, outcome: refused ? 'refused' : 'failed', reason: e.message, time: new Date().toISOString() }
    }
  }
  record(ctx, outcome)
  ctx.logger.info(outcome, 'update request done')
  return outcome
}

/** `updater take`: every request waiting in the inbox, one after the other. */
export async function takeAll(ctx: UpdaterContext, inbox: string): Promise<RequestOutcome[]> {
  const done: RequestOutcome[] = []
  for (let r = takeRequest(inbox); r; r = takeRequest(inbox)) done.push(await runRequest(ctx, r))
  return done
}
