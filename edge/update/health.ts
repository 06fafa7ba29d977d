/**
 * The health check of an update trial. The agent writes `<dataDir>/health.json` (what version it
 * runs, since when, whether it is connected to the broker and how many messages the broker has
 * acknowledged since it started); the updater reads it. A file, not a loopback HTTP endpoint:
 * no port to configure or protect, it works under ProtectSystem=strict, and the agent writes it
 * only when something changes (a few writes per start, not a stream of SD card writes).
 * Healthy = the expected version, started after the switch, connected, and at least one publish
 * acknowledged by the broker (a reading went all the way through the outbox).
 */
import { readFileSync } from 'node:fs'
import { writeFileAtomic } from './state.js'

export interface HealthReport {
  version: string
  pid: number
  startedAt: string
  connected: boolean
  /** Messages the broker acknowledged since this process started. */
  published: number
  time: string
}

export interface HealthSource {
  readonly publisher: { readonly connected: boolean; readonly sentMessages: number }
}

/** Agent side: writes the report at start and whenever connected/published change. */
export function startHealthReport(
  source: HealthSource,
  file: string,
  version: string,
  opts: { pollMs?: number; now?: () => number } = {},
): { stop(): void } {
  const now = opts.now ?? Date.now
  const startedAt = new Date(now()).toISOString()
  let last = ''
  const write = () => {
    const state = { connected: source.publisher.connected, published: Math.min(source.publisher.sentMessages, 1) }
    const key = JSON.stringify(state)
    if (key === last) return
    last = key
    const report: HealthReport = {
      version,
      pid: process.pid,
      startedAt,
      connected: state.connected,
      published: source.publisher.sentMessages,
      time: new Date(now()).toISOString(),
    }
    try {
      writeFileAtomic(file, `${JSON.stringify(report)}\n`)
    } catch {
      // A node whose disk refuses writes is unhealthy anyway; the trial times out and rolls back.
    }
  }
  write()
  const timer = setInterval(write, opts.pollMs ?? 1000)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}

export function readHealth(file: string): HealthReport | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as HealthReport
  } catch {
    return undefined
  }
}

/** Why a report is not (yet) the healthy one we wait for, or undefined when it is. */
export function unhealthyReason(report: HealthReport | undefined, version: string, since: number): string | undefined {
  if (!report) return 'no health report yet'
  if (report.version !== version) return `the agent reports version ${report.version}, not ${version}`
  if (Date.parse(report.startedAt) < since) return `no agent of version ${version} started since the switch`
  if (!report.connected) return `version ${version} is not connected to the broker`
  if (report.published < 1) return `version ${version} has not had a publish acknowledged yet`
  return undefined
}

export interface HealthWait {
  files: string[]
  version: string
  since: number
  deadline: number
  pollMs?: number
  now?: () => number
}

/** Polls every health file until all are healthy (ok) or the deadline passes (the last reason). */
export async function waitHealthy(w: HealthWait): Promise<{ ok: true } | { ok: false; reason: string }> {
  const now = w.now ?? Date.now
  for (;;) {
    const reasons = w.files
      .map((f) => ({ f, reason: unhealthyReason(readHealth(f), w.version, w.since) }))
      .filter((r) => r.reason !== undefined)
    if (reasons.length === 0) return { ok: true }
    if (now() >= w.deadline) {
      const seconds = Math.round((w.deadline - w.since) / 1000)
      return {
        ok: false,
        reason: `health check failed after ${seconds} s: ${reasons.map((r) => `${r.f}: ${r.reason}`).join('; ')}`,
      }
    }
    await new Promise((r) => setTimeout(r, w.pollMs ?? 500))
  }
}
