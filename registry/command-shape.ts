/**
 * A command as the table keeps it (name + args + envelope in columns) and as it goes on the wire
 * (schemas/command.v1.json, one flat object). Args are whatever the command's own fields are, so
 * new command variants need no change here.
 */
import type { DeviceCommand } from '../schemas/index.js'
import type { CommandArgs, NewCommand } from './command-types.js'

const ENVELOPE = new Set(['command', 'id', 'issued_at', 'expires_at', 'by'])

/** The command's own fields (e.g. `{ from, to }` of a resend). */
export function argsOf(command: DeviceCommand): CommandArgs {
  return Object.fromEntries(Object.entries(command).filter(([k]) => !ENVELOPE.has(k)))
}

/** The wire form of a recorded command (what the device receives on its cmd topic). */
export function deviceCommandOf(c: NewCommand): DeviceCommand {
  return {
    command: c.command,
    id: c.id,
    issued_at: c.issuedAt,
    expires_at: c.expiresAt,
    by: c.by,
    ...c.args,
  } as DeviceCommand
}

/**
 * A command read off the wire, to record. `by` is the account that published it, never the
 * payload's own `by` (which anyone can write); `issued_at` defaults to now.
 */
export function newCommandOf(
  command: DeviceCommand,
  where: { sensor: string; borough: string },
  publisher: string,
  now = new Date().toISOString(),
): NewCommand {
  return {
    id: command.id,
    sensor: where.sensor,
    borough: where.borough,
    command: command.command,
    args: argsOf(command),
    by: publisher,
    issuedAt: command.issued_at ?? now,
    expiresAt: command.expires_at,
  }
}

/** JSON with object keys sorted, so two equal args compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export function sameArgs(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b)
}

/** True when a command read off the wire carries the same args as the recorded one. */
export function sameCommandArgs(recorded: Pick<NewCommand, 'args'>, wire: DeviceCommand): boolean {
  return sameArgs(recorded.args, argsOf(wire))
}

/** An argument for the audit line: long ones (a signed manifest, a signature) cut short. */
function shortValue(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v)
  return text.length > 80 ? `${text.slice(0, 24)}…(${text.length} chars)` : text
}

/** One line for the audit log: `resend from=1 to=5 (id 3f2…)`. */
export function commandSummary(c: Pick<NewCommand, 'id' | 'command' | 'args'>): string {
  const args = Object.entries(c.args).map(([k, v]) => `${k}=${shortValue(v)}`)
  return [c.command, ...args, `(id ${c.id})`].join(' ')
}
