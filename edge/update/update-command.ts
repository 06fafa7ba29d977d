/**
 * What the agent checks an update command against before it does anything (the signed manifest
 * against its pinned release key, a version that failed here before, the download origin), and
 * how outcomes become the command's answers. update-job.ts does the work in between.
 */
import type { KeyObject } from 'node:crypto'
import { StreetsenseError } from '../../core/index.js'
import type { UpdateCommand } from '../../schemas/index.js'
import type { EdgeConfig } from '../config.js'
import type { Answer } from '../publish/commands.js'
import { loadPublicKey } from './keys.js'
import { type ReleaseManifest, verifyManifest } from './manifest.js'
import { type RequestOutcome, readUpdateState } from './state.js'

export interface UpdateCheckDeps {
  config: Pick<EdgeConfig, 'update' | 'updateStateFile' | 'broker'>
  now(): number
  version(): string
}

const refuse = (message: string, field: string) => new StreetsenseError('IOT_EDGE_UPDATE_REFUSED', message, field)

export const refusedAnswer = (err: StreetsenseError, version?: string): Answer => ({
  status: 'refused',
  reason: err.message.slice(0, 500),
  code: err.code,
  detail: { state: 'failed', ...(version ? { version } : {}) },
})

export function releaseKeyOf(config: Pick<EdgeConfig, 'update'>): KeyObject {
  try {
    return loadPublicKey(config.update.releaseKey)
  } catch (err) {
    throw refuse(`no release key to check it with: ${(err as Error).message}`, 'key')
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    throw refuse(`url: ${url.slice(0, 100)} is not a URL`, 'url')
  }
}

/** The manifest of a command this node may act on; IOT_EDGE_UPDATE_REFUSED naming why not. */
export function checkUpdateCommand(command: UpdateCommand, deps: UpdateCheckDeps): ReleaseManifest {
  const { config } = deps
  const manifest = verifyManifest(Buffer.from(command.manifest), Buffer.from(command.signature, 'base64'), {
    publicKey: releaseKeyOf(config),
    kind: 'agent',
    installed: deps.version(),
    now: new Date(deps.now()),
  })
  if (readUpdateState(config.updateStateFile).bad.includes(manifest.version)) {
    throw refuse(`version ${manifest.version} failed its health check on this node before`, 'version')
  }
  const origin = originOf(command.url)
  const allowed = config.update.origins.length
    ? config.update.origins
    : [`https://${new URL(config.broker.url).hostname}`]
  if (!allowed.includes(origin)) {
    throw refuse(`url: ${origin} is not an origin this node downloads from (allowed: ${allowed.join(', ')})`, 'url')
  }
  return manifest
}

/** The updater's outcome for a command, as the command's final answer. */
export function answerOf(o: RequestOutcome): Answer {
  const detail = {
    state: o.outcome === 'refused' ? 'failed' : o.outcome,
    version: o.version,
    ...(o.running ? { running: o.running } : {}),
  }
  if (o.outcome === 'healthy') return { status: 'done', detail }
  const reason = (o.reason ?? o.outcome).slice(0, 500)
  if (o.outcome === 'refused') return { status: 'refused', reason, code: 'IOT_EDGE_UPDATE_REFUSED', detail }
  return { status: 'failed', reason, code: 'IOT_EDGE_UPDATE_FAILED', detail }
}
