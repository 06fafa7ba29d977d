/**
 * What the node does with its downlink: `errors` (the platform refused readings: mark them
 * rejected in the outbox so they are not resent, and keep the reason for the heartbeat) and
 * `cmd` (set_interval, resend, status). Anything unreadable is logged and ignored, never fatal.
 */
import type { Logger } from 'pino'
import { StreetsenseError } from '../../core/index.js'
import { parseTopic, validateCommand, validateDeviceError } from '../../schemas/index.js'
import type { Aggregator } from '../aggregate/aggregator.js'
import type { Outbox } from './outbox.js'

export interface DownlinkDeps {
  log: Logger
  outbox: Outbox
  aggregator: Aggregator
  /** Keeps an error for the next heartbeat. */
  remember(err: StreetsenseError): void
  /** Makes the publisher resend from after `seq`. */
  rewind(seq: number): void
  sendStatus(): void
}

export function createDownlinkHandler(deps: DownlinkDeps): (topic: string, payload: Buffer) => void {
  const { log, outbox, aggregator, remember } = deps
  return (topic, payload) => {
    const parts = parseTopic(topic)
    let body: unknown
    try {
      body = JSON.parse(payload.toString('utf8'))
    } catch {
      log.warn({ topic }, 'downlink message is not JSON; ignored')
      return
    }
    if (parts?.channel === 'errors') {
      const r = validateDeviceError(body)
      if (!r.ok) return void log.warn({ topic, errors: r.errors }, 'unreadable error message; ignored')
      const n = outbox.markRejected(r.value.seq ?? [])
      log.warn(
        { code: r.value.code, reason: r.value.reason, seq: r.value.seq, newlyRejected: n },
        'platform rejected readings',
      )
      remember(new StreetsenseError('IOT_EDGE_OUTBOX', `rejected by platform: ${r.value.code} ${r.value.reason}`))
    } else if (parts?.channel === 'cmd') {
      const r = validateCommand(body)
      if (!r.ok) {
        remember(
          new StreetsenseError(
            'IOT_EDGE_COMMAND_INVALID',
            `invalid command: ${r.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
          ),
        )
        return void log.warn({ errors: r.errors }, 'invalid command; ignored')
      }
      const cmd = r.value
      log.info({ cmd }, 'command received')
      if (cmd.command === 'set_interval') {
        aggregator.setInterval(cmd.interval)
        outbox.setSetting('interval', cmd.interval)
      } else if (cmd.command === 'resend') {
        const n = outbox.requeue(cmd.from, cmd.to)
        log.info({ from: cmd.from, to: cmd.to, requeued: n }, 'resending')
        deps.rewind(cmd.from - 1)
      }
      deps.sendStatus()
    }
  }
}
