/**
 * `streetsense fleet rollout|rollouts|pause|resume|halt|cancel|status`: rollouts through the
 * admin API (like `streetsense devices`: an operator or admin account, scoped to its boroughs,
 * audited by the registry), and the fleet's status per device.
 */
import type { Command } from 'commander'
import { addSettingOptions, StreetsenseError } from '../../../core/index.js'
import { type AdminClient, type ApiOpts, apiAction, DevicesSettingsSchema } from '../devices/admin-client.js'

interface RolloutJson {
  id: string
  release: string
  state: string
  reason: string | null
  boroughs: string[]
  stages: { name: string; pause?: boolean }[]
  stage: { index: number; name: string | null }
  counts: Record<string, number>
  created_by: string
  created_at: string
  devices?: { sensor: string; borough: string; stage: number | null; state: string; error: string | null }[]
}

interface DeviceStatusJson {
  sensor: string
  borough: string
  version: string | null
  state: string | null
  error: string | null
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** `90`, `90s`, `15m`, `24h`, `2d` in seconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(value.trim())
  if (!m) throw new StreetsenseError('IOT_USAGE', `--${flag} ${value}: a duration such as 90s, 15m, 24h or 2d`, flag)
  return Number(m[1]) * UNITS[m[2] || 's']!
}

const list = (v: unknown) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined

export function rolloutBody(release: string, o: ApiOpts): Record<string, unknown> {
  const num = (v: unknown, flag: string) => {
    const n = Number(v)
    if (!Number.isFinite(n)) throw new StreetsenseError('IOT_USAGE', `--${flag} must be a number`, flag)
    return n
  }
  const halt = {
    ...(o.maxFailures !== undefined ? { failures: num(o.maxFailures, 'max-failures') } : {}),
    ...(o.maxFailureRate !== undefined ? { rate: num(o.maxFailureRate, 'max-failure-rate') } : {}),
    ...(o.minDevices !== undefined ? { min_devices: num(o.minDevices, 'min-devices') } : {}),
  }
  return {
    release,
    ...(list(o.boroughs) ? { boroughs: list(o.boroughs) } : {}),
    ...(list(o.sensors) ? { sensors: list(o.sensors) } : {}),
    ...(o.percent !== undefined ? { percent: num(o.percent, 'percent') } : {}),
    ...(typeof o.stages === 'string' ? { stages: o.stages } : {}),
    ...(o.pauseAfter !== undefined ? { pause_after: list(o.pauseAfter) ?? [] } : {}),
    ...(typeof o.soak === 'string' ? { soak_seconds: parseDuration(o.soak, 'soak') } : {}),
    ...(typeof o.deviceTimeout === 'string'
      ? { device_timeout_seconds: parseDuration(o.deviceTimeout, 'device-timeout') }
      : {}),
    ...(Object.keys(halt).length ? { halt } : {}),
  }
}

function describe(r: RolloutJson): string {
  const c = r.counts
  const stages = r.stages.map((s, i) => (i === r.stage.index ? `[${s.name}]` : s.name)).join(' > ')
  const counts = `healthy ${c.healthy}, failed ${(c.failed ?? 0) + (c.rolled_back ?? 0)}, in progress ${(c.pending ?? 0) + (c.downloading ?? 0) + (c.installed ?? 0)}, waiting ${c.waiting}, skipped ${c.skipped} of ${c.total}`
  const why = r.reason ? ` (${r.reason})` : ''
  return `${r.id}  ${r.release}  ${r.state}${why}\n  stages ${stages}; ${counts}; boroughs ${r.boroughs.join(', ')}; by ${r.created_by} at ${r.created_at}`
}

const show = (o: ApiOpts, json: unknown, text: string) => console.log(o.json ? JSON.stringify(json) : text)

async function start(client: AdminClient, o: ApiOpts, [release]: string[]): Promise<number> {
  const { rollout } = await client.post<{ rollout: RolloutJson }>('/v1/admin/rollouts', rolloutBody(release!, o))
  show(o, { rollout }, describe(rollout))
  return 0
}

async function rollouts(client: AdminClient, o: ApiOpts, [id]: string[]): Promise<number> {
  if (id) {
    const { rollout } = await client.get<{ rollout: RolloutJson }>(`/v1/admin/rollouts/${encodeURIComponent(id)}`)
    const devices = (rollout.devices ?? []).map(
      (d) => `  ${d.sensor}  ${d.borough}  stage ${d.stage ?? '-'}  ${d.state}${d.error ? `  (${d.error})` : ''}`,
    )
    show(o, { rollout }, [describe(rollout), ...devices].join('\n'))
    return 0
  }
  const query = typeof o.state === 'string' ? `?state=${encodeURIComponent(o.state)}` : ''
  const { rollouts: all } = await client.get<{ rollouts: RolloutJson[] }>(`/v1/admin/rollouts${query}`)
  show(
    o,
    { count: all.length, rollouts: all },
    all.length ? all.map(describe).join('\n') : 'no rollouts in your boroughs',
  )
  return 0
}

const steer =
  (action: string) =>
  async (client: AdminClient, o: ApiOpts, [id]: string[]) => {
    const body = typeof o.reason === 'string' ? { reason: o.reason } : {}
    const { rollout } = await client.post<{ rollout: RolloutJson }>(
      `/v1/admin/rollouts/${encodeURIComponent(id!)}/${action}`,
      body,
    )
    show(o, { rollout }, describe(rollout))
    return 0
  }

async function status(client: AdminClient, o: ApiOpts): Promise<number> {
  const params = new URLSearchParams()
  for (const key of ['borough', 'rollout', 'sensor']) if (typeof o[key] === 'string') params.set(key, o[key] as string)
  const { devices } = await client.get<{ devices: DeviceStatusJson[] }>(`/v1/admin/fleet?${params}`)
  const rows = devices.map(
    (d) => `${d.sensor}  ${d.borough}  ${d.version ?? '?'}  ${d.state ?? '-'}${d.error ? `  ${d.error}` : ''}`,
  )
  show(o, { count: devices.length, devices }, ['sensor  borough  version  state  last error', ...rows].join('\n'))
  return 0
}

const apiCommand = (fleet: Command, name: string, description: string) =>
  addSettingOptions(fleet.command(name).description(description), DevicesSettingsSchema).option(
    '--json',
    'machine-readable output',
  )

export function registerRolloutCommands(fleet: Command): void {
  apiCommand(
    fleet,
    'rollout',
    'Roll a published agent release out to devices of your boroughs, in stages, halting on failures',
  )
    .argument('<release>', 'a published release, e.g. agent-1.4.0 (streetsense fleet publish)')
    .option('--boroughs <codes>', 'only these boroughs (comma-separated; default: all of your account)')
    .option('--sensors <ids>', 'only these sensors (comma-separated)')
    .option('--percent <n>', 'end at this share of the devices (stable hash order)')
    .option('--stages <spec>', 'stages, e.g. canary:1,5%,25%,100% (the default)')
    .option(
      '--pause-after <names>',
      'wait for `fleet resume` after these stages (default: canary with the default stages)',
    )
    .option('--soak <duration>', 'wait this long after a stage settles before the next, e.g. 24h (the default)')
    .option('--device-timeout <duration>', 'a device not healthy by then counts as failed (default 1h)')
    .option('--max-failures <n>', 'halt at this many failed devices (default 3)')
    .option('--max-failure-rate <r>', 'or above this share once --min-devices tried (default 0.05)')
    .option('--min-devices <n>', 'devices tried before the rate counts (default 20)')
    .action(apiAction(start))
  apiCommand(fleet, 'rollouts', 'Rollouts of your boroughs, or one with its devices')
    .argument('[id]', 'a rollout id')
    .option('--state <state>', 'running, paused, halted, completed or cancelled')
    .action(apiAction(rollouts))
  for (const [action, description] of [
    ['pause', 'Pause a running rollout (devices already sent the update go on)'],
    ['resume', 'Resume a paused rollout'],
    ['halt', 'Halt a rollout: nothing more is sent; devices that fail roll back by themselves'],
    ['cancel', 'Cancel a rollout (a halted one too): nothing more is sent'],
  ] as const) {
    apiCommand(fleet, action, description)
      .argument('<id>', 'the rollout id')
      .option('--reason <text>', 'why, for the audit log')
      .action(apiAction(steer(action)))
  }
  apiCommand(fleet, 'status', 'Per device of your boroughs: agent version, update state and last error')
    .option('--borough <code>', 'only this borough')
    .option('--rollout <id>', 'the devices of this rollout, with their state in it')
    .option('--sensor <id>', 'only this sensor')
    .action(apiAction(status))
}
