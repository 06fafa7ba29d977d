/**
 * The parts of an agent a config change restarts, and how the agent tells whether the change
 * works: drivers (each one must give a sample within the trial) and the broker connection (it
 * must connect with the new settings). Kept apart from agent.ts so the agent reads as its flow.
 */
import type { Logger } from 'pino'
import type { EdgeConfig } from './config.js'
import type { SensorDriver } from './sensors/driver.js'

/** Which parts of the config differ. */
export function changedParts(a: EdgeConfig, b: EdgeConfig) {
  return {
    sensors: JSON.stringify(a.sensors) !== JSON.stringify(b.sensors),
    broker: JSON.stringify(a.broker) !== JSON.stringify(b.broker),
    status: a.statusIntervalSeconds !== b.statusIntervalSeconds,
  }
}

/** Counts each driver's samples since it started, for a config trial. */
export class SampleCounts {
  private readonly counts = new Map<SensorDriver, number>()

  watch(driver: SensorDriver): void {
    this.counts.set(driver, 0)
    driver.on('sample', () => this.counts.set(driver, (this.counts.get(driver) ?? 0) + 1))
  }

  forget(driver: SensorDriver): void {
    this.counts.delete(driver)
  }

  /** Drivers of `drivers` that have given no sample yet. */
  silent(drivers: readonly SensorDriver[]): SensorDriver[] {
    return drivers.filter((d) => (this.counts.get(d) ?? 0) === 0)
  }
}

export interface TrialSubject {
  drivers: readonly SensorDriver[]
  samples: SampleCounts
  connected(): boolean
  now(): number
  log: Logger
}

/**
 * Waits until the changed parts work: every restarted driver has given a sample, and the broker
 * is connected after a broker change. Why not by the deadline, or undefined.
 */
export async function waitForTrial(
  subject: TrialSubject,
  changed: ReturnType<typeof changedParts>,
  next: EdgeConfig,
  ms: number,
): Promise<string | undefined> {
  const deadline = subject.now() + ms
  const problems = () => {
    const reasons: string[] = []
    if (changed.sensors) {
      const silent = subject.samples.silent(subject.drivers)
      if (silent.length) reasons.push(`no sample from ${silent.map((d) => d.name).join(', ')}`)
    }
    if (changed.broker && !subject.connected()) reasons.push(`the broker at ${next.broker.url} could not be reached`)
    return reasons
  }
  for (;;) {
    const reasons = problems()
    if (reasons.length === 0) return undefined
    if (subject.now() >= deadline) return `${reasons.join('; ')} within ${Math.round(ms / 1000)} s`
    await new Promise((r) => setTimeout(r, 200))
  }
}
