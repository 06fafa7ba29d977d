/**
 * Is the system clock synchronised? Asks systemd-timesyncd (`timedatectl show`) and then chrony
 * (`chronyc tracking`). Where neither answers (containers, a Pi without NTP) it reports
 * synced=false with source 'none': readings are then flagged `clock_unsynced`, never dropped.
 */
import { execFile } from 'node:child_process'

export interface ClockStatus {
  synced: boolean
  source: 'timedatectl' | 'chronyc' | 'host' | 'none'
  detail: string
}

function run(cmd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 3000 }, (err, stdout) => resolve(err ? undefined : String(stdout)))
  })
}

export async function checkClock(): Promise<ClockStatus> {
  const td = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'])
  if (td?.trim()) {
    return { synced: td.trim() === 'yes', source: 'timedatectl', detail: `NTPSynchronized=${td.trim()}` }
  }
  const chrony = await run('chronyc', ['tracking'])
  if (chrony !== undefined) {
    const leap = /Leap status\s*:\s*(.+)/.exec(chrony)?.[1]?.trim() ?? 'unknown'
    return { synced: leap === 'Normal', source: 'chronyc', detail: `leap status ${leap}` }
  }
  return { synced: false, source: 'none', detail: 'neither timedatectl nor chronyc answered; assuming unsynchronised' }
}
