import { type Logger, pino } from 'pino'

export type { Logger }

/** The one root logger of a process; stages take children of it. Secrets never reach the output. */
export function createLogger(level = process.env.STREETSENSE_LOG_LEVEL ?? 'info', name = 'streetsense'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'influxToken', '*.influxToken'],
      censor: '[redacted]',
    },
  })
}
