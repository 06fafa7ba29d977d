/**
 * `streetsense devices`: an operator's commands to the devices of its boroughs, through the admin
 * API (borough-scoped and audited there, like any client's):
 *   devices command <sensor> set-interval <seconds> | resend <from> <to> | status [--wait <s>]
 *   devices commands <sensor>          the commands sent to it and the device's answers
 */
import type { Command } from 'commander'
import { addSettingOptions, StreetsenseError } from '../../core/index.js'
import { type AdminClient, ApiRefusal, adminClient, DevicesSettingsSchema } from './devices/admin-client.js'
import { type CommandJson, describeCommand, waitForAnswer } from './devices/command-output.js'

/** Each action: the command it sends and the names of its values, in order. */
const ACTIONS: Record<string, { command: string; values: string[] }> = {
  'set-interval': { command: 'set_interval', values: ['interval'] },
  resend: { command: 'resend', values: ['from', 'to'] },
  status: { command: 'status', values: [] },
}

type Opts = Record<string, unknown> & { json?: boolean; wait?: string; expiresIn?: string; limit?: string }

function parseAction(action: string, values: string[]): { command: string; args: Record<string, number> } {
  const spec = ACTIONS[action]
  if (!spec)
    throw new StreetsenseError('IOT_USAGE', `action must be one of ${Object.keys(ACTIONS).join(', ')}`, 'action')
  if (values.length !== spec.values.length) {
    const wanted = spec.values.map((v) => `<${v}>`).join(' ') || 'no values'
    throw new StreetsenseError('IOT_USAGE', `${action} takes ${wanted}`, 'values')
  }
  const args: Record<string, number> = {}
  spec.values.forEach((name, i) => {
    const n = Number(values[i])
    if (!Number.isSafeInteger(n)) throw new StreetsenseError('IOT_USAGE', `${name} must be an integer`, name)
    args[name] = n
  })
  return { command: spec.command, args }
}

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new StreetsenseError('IOT_USAGE', `${flag} must be a whole number`, flag)
  return n
}

/** Runs a subcommand; a refusal (the API's, or a usage error) is printed and exits with 1. */
function action(fn: (client: AdminClient, opts: Opts, args: string[]) => Promise<number>) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command
    const opts = command.opts() as Opts
    try {
      process.exitCode = await fn(adminClient(opts), opts, command.args)
    } catch (err) {
      if (!(err instanceof ApiRefusal || err instanceof StreetsenseError)) throw err
      const { code, message, field } = err instanceof ApiRefusal ? err.body : err
      if (opts.json) console.log(JSON.stringify({ error: { code, message, field } }))
      console.error(`error: ${code ?? 'HTTP'}: ${message}${field ? ` (field ${field})` : ''}`)
      process.exitCode = 1
    }
  }
}

async function sendCommand(client: AdminClient, opts: Opts, [sensor, name, ...values]: string[]): Promise<number> {
  const { command, args } = parseAction(name!, values)
  const expiresIn = positiveInt(opts.expiresIn, 'expires-in', 3600)
  const path = `/v1/admin/sensors/${encodeURIComponent(sensor!)}/commands`
  const sent = await client.post<{ command: CommandJson }>(path, { command, args, expires_in: expiresIn })
  const wait = positiveInt(opts.wait, 'wait', 0)
  const final = wait > 0 ? await waitForAnswer(client, path, sent.command.id, wait * 1000) : sent.command
  if (opts.json) console.log(JSON.stringify({ command: final }))
  else console.log(describeCommand(final))
  if (wait === 0) return 0
  return final.status === 'done' ? 0 : 1
}

async function listCommands(client: AdminClient, opts: Opts, [sensor]: string[]): Promise<number> {
  const limit = positiveInt(opts.limit, 'limit', 20)
  const path = `/v1/admin/sensors/${encodeURIComponent(sensor!)}/commands?limit=${limit}`
  const { commands } = await client.get<{ commands: CommandJson[] }>(path)
  if (opts.json) console.log(JSON.stringify({ count: commands.length, commands }))
  else if (commands.length === 0) console.log(`no commands sent to ${sensor}`)
  else for (const c of commands) console.log(describeCommand(c))
  return 0
}

const withClientOptions = (command: Command) =>
  addSettingOptions(command, DevicesSettingsSchema).option('--json', 'machine-readable output')

export function registerDevicesCommand(program: Command): void {
  const devices = program
    .command('devices')
    .description("Command your borough's devices and read their answers (admin API; operator or admin account)")
  withClientOptions(
    devices
      .command('command')
      .description('Send a command: set-interval <seconds> | resend <from> <to> | status')
      .argument('<sensor>', 'register id of the device')
      .argument('<action>', Object.keys(ACTIONS).join(' | '))
      .argument('[values...]', "the action's values")
      .option('--expires-in <seconds>', 'the device refuses the command after this (default 3600)')
      .option('--wait <seconds>', "wait up to this long for the device's answer; exit 1 unless done"),
  ).action(action(sendCommand))
  withClientOptions(
    devices
      .command('commands')
      .description('The commands sent to a device, newest first, with its answers')
      .argument('<sensor>', 'register id of the device')
      .option('--limit <n>', 'at most n commands (default 20)'),
  ).action(action(listCommands))
}
