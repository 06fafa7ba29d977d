/**
 * systemd readiness and watchdog without a native addon: when systemd starts us with
 * NOTIFY_SOCKET set, send READY=1 / WATCHDOG=1 with the `systemd-notify` tool. The sender is a
 * child process, so the unit needs NotifyAccess=all. The watchdog is fed only from the agent's
 * main loop after a healthy turn (readings stored), at most every WATCHDOG_USEC/2.
 */
import { execFile } from 'node:child_process'

export interface Notifier {
  ready(): void
  healthy(): void
}

export function createNotifier(env: NodeJS.ProcessEnv = process.env): Notifier {
  if (!env.NOTIFY_SOCKET) return { ready() {}, healthy() {} }
  const watchdogMs = env.WATCHDOG_USEC ? Number(env.WATCHDOG_USEC) / 1000 : 0
  let last = 0
  const send = (...args: string[]) => execFile('systemd-notify', args, { timeout: 5000 }, () => undefined)
  return {
    ready: () => send('--ready'),
    healthy: () => {
      if (!watchdogMs || Date.now() - last < watchdogMs / 2) return
      last = Date.now()
      send('WATCHDOG=1')
    },
  }
}
