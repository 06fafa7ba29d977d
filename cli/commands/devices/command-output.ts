/** How `streetsense devices` shows a command, and how it waits for the device's answer. */
import { StreetsenseError } from '../../../core/index.js'
import type { AdminClient } from './admin-client.js'

/** A command as the admin API returns it (register/routes-commands.ts). */
export interface CommandJson {
  id: string
  sensor: string
  command: string
  args: Record<string, unknown>
  by: string
  issued_at: string
  expires_at: string
  state: string
  status: string
  result: { status: string; reason?: string; code?: string; detail?: Record<string, unknown>; time: string } | null
}

const pairs = (o: Record<string, unknown> = {}) =>
  Object.entries(o).map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)

/** One line: when, id, what, who, and where it stands (the answer, with its reason or detail). */
export function describeCommand(c: CommandJson): string {
  const what = `${c.command}${pairs(c.args).join('')}`
  const why = c.result?.reason ? ` (${c.result.reason}${c.result.code ? `, ${c.result.code}` : ''})` : ''
  const detail = c.result?.detail ? `:${pairs(c.result.detail).join('')}` : ''
  const waiting = c.result ? '' : c.state === 'expired' || c.state === 'cancelled' ? '' : ` (expires ${c.expires_at})`
  return `${c.issued_at}  ${c.id}  ${c.sensor}  ${what}  by ${c.by}  ${c.status}${why}${detail}${waiting}`
}

const FINAL = new Set(['done', 'failed', 'refused', 'expired', 'cancelled'])

/** Polls the device's commands until this one is answered (done, failed or refused) or given up. */
export async function waitForAnswer(client: AdminClient, path: string, id: string, ms: number): Promise<CommandJson> {
  const deadline = Date.now() + ms
  for (;;) {
    const { commands } = await client.get<{ commands: CommandJson[] }>(`${path}?limit=1000`)
    const found = commands.find((c) => c.id === id)
    if (!found) throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `command ${id} is not in the device's list`)
    if (FINAL.has(found.status) || Date.now() >= deadline) return found
    await new Promise((r) => setTimeout(r, 500))
  }
}
