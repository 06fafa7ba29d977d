/**
 * What the node does with its downlink: `errors` (the platform refused readings: mark them
 * rejected in the outbox so they are not resent, and keep the reason for the heartbeat) and
 * `cmd` (commands.ts: run or refuse, and answer on `result`). Anything unreadable is logged and
 * ignored, never fatal.
 */
import type { Logger } from 'pino'
import { StreetsenseError } from '../../core/index.js'
import { parseTopic, validateDeviceError } from '../../schemas/index.js'
import type { CommandRunner } from './commands.js'
import type { Outbox } from './outbox.js'

export interface DownlinkDeps {
  log: Logger
  outbox: Outbox
  commands: CommandRunner
  /** Keeps an error for the next heartbeat. */
  remember(err: StreetsenseError): void
}

export function createDownlinkHandler(deps: DownlinkDeps): (topic: string, payload: Buffer) => void {
  return (topic, payload) => {
    const channel = parseTopic(topic)?.channel
    if (channel === 'cmd') deps.commands.handle(payload)
    else if (channel === 'errors') onRejected(deps, topic, payload)
  }
}

function onRejected({ log, outbox, remember }: DownlinkDeps, topic: string, payload: Buffer): void {
  let body: unknown
  try {
    body = JSON.parse(payload.toString('utf8'))
  } catch {
    log.warn({ topic }, 'error message is not JSON; ignored')
    return
  }
  const r = validateDeviceError(body)
  if (!r.ok) return void log.warn({ topic, errors: r.errors }, 'unreadable error message; ignored')
  const n = outbox.markRejected(r.value.seq ?? [])
  log.warn(
    { code: r.value.code, reason: r.value.reason, seq: r.value.seq, newlyRejected: n },
    'platform rejected readings',
  )
  remember(new StreetsenseError('IOT_EDGE_OUTBOX', `rejected by platform: ${r.value.code} ${r.value.reason}`))
}
