/**
 * PUBLISH to a device's `cmd` topic: who may command which device, and with what. Commands are
 * small and rare, so here (and only here) the broker reads the payload:
 * - operator and admin accounts: any valid command to a registered sensor of their boroughs;
 * - the ingest account: `resend` and `status` within its boroughs (gap repair), and other
 *   commands only as the relay of one an operator or admin of that borough issued through the
 *   admin API (the commands table has it, same sensor, command and args);
 * - devices and readers: never.
 * A payload that is not a valid command (schemas/command.v1.json), too large, or retained is
 * invalid. Every accepted command is recorded in the commands table (when new) and audited.
 */
import type { PublishPacket } from 'aedes'
import { type ErrorCode, StreetsenseError } from '../../core/index.js'
import {
  commandsBorough,
  issuerMayCommand,
  newCommandOf,
  SERVICE_COMMANDS,
  sameCommandArgs,
} from '../../registry/index.js'
import { type DeviceCommand, type TopicParts, validateCommand } from '../../schemas/index.js'
import type { BrokerContext, Session } from '../context.js'

/** Far more than any command needs; a bigger payload is not read. */
export const MAX_COMMAND_BYTES = 4096

type Refusal = { kind: 'command_invalid' | 'command_denied'; message: string }
type Verdict = { ok: true; command: DeviceCommand } | ({ ok: false } & Refusal)

const invalid = (message: string): Verdict => ({ ok: false, kind: 'command_invalid', message })
const denied = (message: string): Verdict => ({ ok: false, kind: 'command_denied', message })

function readCommand(packet: PublishPacket): Verdict {
  if (packet.retain) return invalid('commands may not be retained')
  if (packet.payload.length > MAX_COMMAND_BYTES) return invalid(`command larger than ${MAX_COMMAND_BYTES} bytes`)
  let body: unknown
  try {
    body = JSON.parse(packet.payload.toString('utf8'))
  } catch {
    return invalid('command is not JSON')
  }
  const result = validateCommand(body)
  if (!result.ok) return invalid(result.errors.map((e) => `${e.path || '/'} ${e.message}`).join('; '))
  return { ok: true, command: result.value }
}

/** A command the ingest relays must have been issued by an operator or admin of that borough. */
function relayIssuedByOperator(ctx: BrokerContext, parts: TopicParts, command: DeviceCommand): boolean {
  const issued = ctx.registry.commands.get(command.id)
  if (!issued || issued.sensor !== parts.sensor || issued.command !== command.command) return false
  if (!sameCommandArgs(issued, command)) return false
  return issuerMayCommand(ctx.registry.getAccount(issued.by), parts)
}

function checkCommand(ctx: BrokerContext, session: Session, parts: TopicParts, packet: PublishPacket): Verdict {
  const { account } = session
  if (!commandsBorough(account, parts.borough))
    return denied(`${account.role} ${account.username} may not command ${parts.borough} devices`)
  const read = readCommand(packet)
  if (!read.ok) return read
  const sensor = ctx.registry.getSensor(parts.sensor)?.entry
  if (!sensor || sensor.borough !== parts.borough) return denied(`no sensor ${parts.sensor} in ${parts.borough}`)
  if (sensor.status === 'retired') return denied(`sensor ${parts.sensor} is retired`)
  const { command } = read
  if (account.role === 'ingest' && !SERVICE_COMMANDS.includes(command.command)) {
    if (!relayIssuedByOperator(ctx, parts, command))
      return denied(`the ingest may not send ${command.command} on its own`)
  }
  const record = newCommandOf(command, parts, account.username)
  if (ctx.registry.commands.relay(record, account.username) === 'conflict') {
    return denied(`command id ${command.id} is already used by another command`)
  }
  return read
}

const CODES: Record<Refusal['kind'], ErrorCode> = {
  command_invalid: 'IOT_BROKER_COMMAND_INVALID',
  command_denied: 'IOT_BROKER_COMMAND_DENIED',
}

/**
 * Undefined when the command may go; otherwise the error that closes the publisher's connection
 * (MQTT 3.1.1 cannot refuse one PUBLISH), logged and counted by reason.
 */
export function refuseCommand(
  ctx: BrokerContext,
  session: Session,
  parts: TopicParts,
  packet: PublishPacket,
): StreetsenseError | undefined {
  let verdict: Verdict
  try {
    verdict = checkCommand(ctx, session, parts, packet)
  } catch (err) {
    ctx.log.error({ err, topic: packet.topic }, 'command check failed (registry)')
    verdict = denied('the registry could not be read')
  }
  const log = { username: session.account.username, role: session.account.role, topic: packet.topic }
  if (verdict.ok) {
    ctx.metrics.commands.inc({ command: verdict.command.command })
    ctx.log.info({ ...log, id: verdict.command.id, command: verdict.command.command }, 'command accepted')
    return undefined
  }
  ctx.metrics.refusals.inc({ reason: verdict.kind })
  ctx.log.warn({ ...log, reason: verdict.message }, 'command refused')
  return new StreetsenseError(CODES[verdict.kind], verdict.message)
}
