/**
 * `streetsense devices config <sensor> --key config.key --set publishIntervalSeconds=120 ...`:
 * builds the remote settings, signs them as a config document for that sensor with the operator's
 * config key (here, on the operator's machine: the platform holds no signing key), and sends the
 * `config` command through the admin API. The node checks the signature, applies the settings on
 * trial and answers done, failed (rolled back, with the reason) or refused.
 */
import { readFileSync } from 'node:fs'
import { StreetsenseError } from '../../../core/index.js'
import type { AdminClient, ApiOpts } from './admin-client.js'
import { type CommandJson, describeCommand, waitForAnswer } from './command-output.js'

type Settings = Record<string, unknown>

/** `a.b.c=value`: the value as JSON when it parses (numbers, booleans), else as a string. */
function setPath(settings: Settings, assignment: string): void {
  const eq = assignment.indexOf('=')
  if (eq <= 0)
    throw new StreetsenseError(
      'IOT_USAGE',
      `--set ${assignment}: expected NAME=VALUE, e.g. publishIntervalSeconds=120`,
      'set',
    )
  const path = assignment.slice(0, eq).split('.')
  const raw = assignment.slice(eq + 1)
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    value = raw
  }
  let at = settings
  for (const key of path.slice(0, -1)) {
    at[key] = typeof at[key] === 'object' && at[key] !== null ? at[key] : {}
    at = at[key] as Settings
  }
  at[path.at(-1)!] = value
}

export function settingsFrom(opts: { set?: string[]; settings?: string }): Settings {
  const settings: Settings = opts.settings ? (JSON.parse(readFileSync(opts.settings, 'utf8')) as Settings) : {}
  for (const s of opts.set ?? []) setPath(settings, s)
  if (Object.keys(settings).length === 0) {
    throw new StreetsenseError('IOT_USAGE', 'nothing to change: give --set NAME=VALUE or --settings FILE', 'set')
  }
  return settings
}

export async function sendConfig(client: AdminClient, opts: ApiOpts, [sensor]: string[]): Promise<number> {
  const o = opts as ApiOpts & { key?: string; set?: string[]; settings?: string; expiresIn?: string; wait?: string }
  if (!o.key)
    throw new StreetsenseError(
      'IOT_USAGE',
      '--key: the config signing key (streetsense fleet keygen --name config)',
      'key',
    )
  const edge = await import('../../../edge/index.js')
  const { signConfigDocument, loadPrivateKey } = edge
  const settings = settingsFrom(o)
  // The document names the sensor's borough; the fleet view gives it (only for the account's boroughs).
  const { devices } = await client.get<{ devices: { sensor: string; borough: string }[] }>(
    `/v1/admin/fleet?sensor=${encodeURIComponent(sensor!)}`,
  )
  const entry = devices[0]
  if (!entry) throw new StreetsenseError('IOT_USAGE', `no sensor ${sensor} in your boroughs`, 'sensor')
  const signed = signConfigDocument({ sensor: entry.sensor, borough: entry.borough, settings }, loadPrivateKey(o.key))
  const path = `/v1/admin/sensors/${encodeURIComponent(sensor!)}/commands`
  const expiresIn = Number(o.expiresIn ?? 3600)
  const sent = await client.post<{ command: CommandJson }>(path, {
    command: 'config',
    args: signed,
    expires_in: expiresIn,
  })
  const wait = Number(o.wait ?? 0)
  const final = wait > 0 ? await waitForAnswer(client, path, sent.command.id, wait * 1000) : sent.command
  if (o.json) console.log(JSON.stringify({ command: final }))
  else console.log(describeCommand(final))
  return wait === 0 || final.status === 'done' ? 0 : 1
}
