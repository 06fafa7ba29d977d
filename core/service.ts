/**
 * How every long-running service process starts and stops (`streetsense broker`, `ingest`,
 * `edge run`): settings errors and start failures end the process with exit code 1 and one clear
 * line on stderr; SIGTERM/SIGINT close the service once, and a close that hangs is cut off.
 */
import type { Logger } from 'pino'
import { type ErrorCode, hasCode } from './errors.js'

export interface Closable {
  close(): Promise<void>
}

export interface RunServiceOptions<S extends Closable> {
  /** Names the service in log lines: "stopping broker". */
  name: string
  /** Logged with a start failure, e.g. IOT_BROKER_START_FAILED. */
  failureCode: ErrorCode
  log: Logger
  start(): Promise<S>
  /** Runs once the service is up (e.g. prints the `{"event":"listening"}` line). */
  started?(service: S): void
  /** How long a close may take before the process exits anyway. */
  forceExitMs?: number
}

/** Loads settings; a settings error prints `error: <message naming the flag>` and sets exit code 1. */
export function settingsOrExit<T>(load: () => T): T | undefined {
  try {
    return load()
  } catch (err) {
    if (!hasCode(err, 'IOT_CONFIG_INVALID')) throw err
    process.stderr.write(`error: ${(err as Error).message}\n`)
    process.exitCode = 1
    return undefined
  }
}

/** Starts the service and stops it on SIGTERM/SIGINT; resolves to the service, or undefined if it failed. */
export async function runService<S extends Closable>(opts: RunServiceOptions<S>): Promise<S | undefined> {
  let service: S
  try {
    service = await opts.start()
  } catch (err) {
    opts.log.fatal({ err, code: opts.failureCode }, `${opts.failureCode}: ${opts.name} could not start`)
    process.stderr.write(`error: ${opts.name} could not start: ${(err as Error).message}\n`)
    process.exitCode = 1
    return undefined
  }
  opts.started?.(service)
  stopOnSignals(service, opts)
  return service
}

function stopOnSignals<S extends Closable>(service: S, opts: RunServiceOptions<S>): void {
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    opts.log.info({ signal }, `stopping ${opts.name}`)
    setTimeout(() => process.exit(1), opts.forceExitMs ?? 15_000).unref()
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        opts.log.error({ err }, `error while stopping ${opts.name}`)
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}
