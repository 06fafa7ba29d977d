/**
 * How gap repair's `resend` reaches a device: through the platform's one way of sending commands,
 * `sendCommand()` (ingest/commands/), so every request is in the registry's commands table (who,
 * what, when, and the device's answer) and goes out on the ingest's command link with QoS 1. The
 * device has a persistent session, so a request for an offline device waits at the broker (or,
 * while the link is down, in the table) until it can be delivered, unless it expires first
 * (`--command-expiry-seconds`).
 */
import type { Logger } from 'pino'
import type { IngestCommands } from '../commands/commands.js'
import type { ResendRequester } from './gap-repair.js'

export function commandResendRequester(commands: () => IngestCommands | undefined, log: Logger): ResendRequester {
  return {
    requestResend(sensor, _borough, from, to) {
      const link = commands()
      if (!link) return false
      link.sendCommand({ sensor, command: 'resend', args: { from, to } }).catch((err: Error) => {
        // Refused before it was recorded (a sensor retired meanwhile): gap repair sees that itself.
        log.warn({ err: err.message, sensor, from, to }, 'resend request not sent')
      })
      return true
    },
  }
}
