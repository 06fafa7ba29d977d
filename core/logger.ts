import { type Logger, pino } from 'pino'
import { humanDestination, wantsHumanLogs } from './log-format.js'

export type { Logger }

/**
 * The one root logger of a process; stages take children of it. Secrets never reach the output.
 * JSON lines, except at a terminal, where each line is written for a person (core/log-format.ts).
 */
export function createLogger(level = process.env.STREETSENSE_LOG_LEVEL ?? 'info', name = 'streetsense'): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'influxToken', '*.influxToken'],
      censor: '[redacted]',
    },
  }
  return wantsHumanLogs() ? pino(options, humanDestination(process.stdout, !process.env.NO_COLOR)) : pino(options)
}
