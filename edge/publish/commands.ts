/**
 * What the node does with a command on its `cmd` topic, and its answer on `result`
 * (schemas/command-result.v1.json) to every command, with the command's id (update and config
 * take a while: they are answered `accepted` at once and again as they go, the last answer final):
 * - unreadable, invalid or unknown: refused (IOT_EDGE_COMMAND_INVALID / _UNSUPPORTED), and kept
 *   for the heartbeat;
 * - a repeat of an id it has seen (QoS 1 redelivery): not run again; its answer goes again only
 *   if the broker never acknowledged it;
 * - past its `expires_at` (queued for days while the node was offline): refused, reason "expired";
 * - otherwise run at once and answered `done` (with what it did in `detail`), then a heartbeat.
 * Every answer is kept in the ledger until the broker acknowledges it (sent again on connect).
 */
import type { Logger } from 'pino'
import { type ErrorCode, StreetsenseError } from '../../core/index.js'
import {
  type CommandResult,
  type ConfigCommand,
  type DeviceCommand,
  isSensorId,
  type ResendCommand,
  type UpdateCommand,
  validateCommand,
} from '../../schemas/index.js'
import type { CommandLedger } from './command-ledger.js'

/** What the outbox reports of a resend: a count, or (richer outboxes) the count and more. */
export type ResendOutcome = number | ({ requeued: number } & Record<string, string | number | boolean | null>)

export interface CommandDeps {
  sensor: string
  borough: string
  log: Logger
  ledger: CommandLedger
  now(): number
  /** Publishes one answer at QoS 1; `acked` runs on PUBACK. False when not connected. */
  publishResult(result: CommandResult, acked: () => void): boolean
  setInterval(seconds: number): void
  requeue(from: number, to: number): ResendOutcome
  /** Makes the publisher resend from after `seq`. */
  rewind(seq: number): void
  sendStatus(): void
  /** Keeps an error for the next heartbeat. */
  remember(err: StreetsenseError): void
  /**
   * Starts an update or config command: the first answer (accepted, or refused at once); later
   * ones go through `report`, the last one final (done, failed or refused).
   */
  startLong(command: UpdateCommand | ConfigCommand, report: (answer: Answer) => void): Answer
}

export interface CommandRunner {
  handle(payload: Buffer): void
  /** Sends the answers the broker has not acknowledged (on connect). */
  flush(): void
  /** Answers a command later (an update finished after the agent restarted). */
  answer(id: string, command: string, answer: Answer): void
}

type Envelope = { id: string; command?: string }
/** A command's answer, without the envelope (sensor, borough, id, time). */
export type Answer = Pick<CommandResult, 'status' | 'reason' | 'code' | 'detail'>
type Outcome = Answer

const refused = (code: ErrorCode, reason: string, detail?: CommandResult['detail']): Outcome => ({
  status: 'refused',
  reason: reason.slice(0, 500),
  code,
  ...(detail ? { detail } : {}),
})

/** The id and command name of a message, as far as they can be read. */
function envelopeOf(body: unknown): Envelope {
  const o = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  const id = typeof o.id === 'string' && isSensorId(o.id) ? o.id : 'unknown'
  const command = typeof o.command === 'string' && /^[a-z_]{1,32}$/.test(o.command) ? o.command : undefined
  return { id, ...(command ? { command } : {}) }
}

export function createCommandRunner(deps: CommandDeps): CommandRunner {
  const answer = (envelope: Envelope, outcome: Outcome) => sendAnswer(deps, envelope, outcome)
  return {
    handle(payload) {
      let body: unknown
      try {
        body = JSON.parse(payload.toString('utf8'))
      } catch {
        return answer({ id: 'unknown' }, invalidCommand(deps, 'IOT_EDGE_COMMAND_INVALID', 'not JSON'))
      }
      const envelope = envelopeOf(body)
      const before = envelope.id === 'unknown' ? undefined : deps.ledger.seen(envelope.id)
      if (before) return repeated(deps, before)
      answer(envelope, decide(deps, body, envelope))
    },
    flush() {
      for (const result of deps.ledger.unanswered()) publish(deps, result)
    },
    answer: (id, command, outcome) => answer({ id, command }, outcome),
  }
}

function decide(deps: CommandDeps, body: unknown, envelope: Envelope): Outcome {
  const checked = validateCommand(body)
  if (!checked.ok) {
    const unknownName = checked.errors.some((e) => e.path === '/command' && e.keyword === 'enum')
    if (unknownName && envelope.command) {
      return invalidCommand(deps, 'IOT_EDGE_COMMAND_UNSUPPORTED', `unsupported command: ${envelope.command}`)
    }
    const why = checked.errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')
    return invalidCommand(deps, 'IOT_EDGE_COMMAND_INVALID', `invalid: ${why}`)
  }
  const command = checked.value
  deps.log.info({ command }, 'command received')
  if (Date.parse(command.expires_at) <= deps.now()) {
    return refused('IOT_EDGE_COMMAND_EXPIRED', 'expired', { expires_at: command.expires_at })
  }
  if (command.command === 'update' || command.command === 'config') {
    return deps.startLong(command, (later) => sendAnswer(deps, envelope, later))
  }
  return run(deps, command)
}

function run(deps: CommandDeps, command: Exclude<DeviceCommand, UpdateCommand | ConfigCommand>): Outcome {
  let detail: CommandResult['detail']
  if (command.command === 'set_interval') {
    deps.setInterval(command.interval)
    detail = { interval: command.interval }
  } else if (command.command === 'resend') {
    if (command.from > command.to) return refused('IOT_EDGE_COMMAND_INVALID', 'invalid: from is greater than to')
    detail = resend(deps, command)
  }
  deps.sendStatus() // a heartbeat after every command (the status command is only that)
  return { status: 'done', ...(detail ? { detail } : {}) }
}

function resend(deps: CommandDeps, { from, to }: ResendCommand): NonNullable<CommandResult['detail']> {
  const outcome = deps.requeue(from, to)
  deps.rewind(from - 1)
  const detail = typeof outcome === 'number' ? { requeued: outcome } : outcome
  deps.log.info({ from, to, ...detail }, 'resending')
  return { from, to, ...detail }
}

function invalidCommand(deps: CommandDeps, code: ErrorCode, reason: string): Outcome {
  deps.remember(new StreetsenseError(code, `command refused: ${reason}`))
  deps.log.warn({ code, reason }, 'command refused')
  return refused(code, reason)
}

/** A redelivered id: never run twice; its answer goes again only if it never got through. */
function repeated(deps: CommandDeps, before: { answer: CommandResult; answered: boolean }): void {
  deps.log.info({ id: before.answer.id, answered: before.answered }, 'repeated command id: not run again')
  if (!before.answered) publish(deps, before.answer)
}

function sendAnswer(deps: CommandDeps, envelope: Envelope, outcome: Outcome): void {
  const result: CommandResult = {
    sensor: deps.sensor,
    borough: deps.borough,
    id: envelope.id,
    ...(envelope.command ? { command: envelope.command } : {}),
    ...outcome,
    time: new Date(deps.now()).toISOString(),
  }
  // An unreadable command has no id to remember; its answer is sent once, if connected.
  if (envelope.id !== 'unknown') deps.ledger.record(result, deps.now())
  publish(deps, result)
}

function publish(deps: CommandDeps, result: CommandResult): void {
  const remember = result.id !== 'unknown'
  const sent = deps.publishResult(result, () => remember && deps.ledger.markAnswered(result))
  if (!sent) deps.log.info({ id: result.id }, 'not connected: the answer goes when the node reconnects')
}
