/**
 * How the updater restarts the agent after a switch. In production: systemd
 * (`systemctl reset-failed` so a unit that hit its start limit may start again, then
 * `systemctl restart` of every agent instance). Tests plug in a restarter that stops and starts
 * a real agent process.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { StreetsenseError } from '../../core/index.js'

const run = promisify(execFile)

export interface Restarter {
  /** Restarts the agent so it runs what `current` points at now. */
  restart(): Promise<void>
}

/** The agent units under systemd: restart for a switch, stop and start around a firmware flash. */
export interface AgentUnits extends Restarter {
  stop(): Promise<void>
  start(): Promise<void>
}

export function systemdRestarter(units: string[], systemctl = 'systemctl'): AgentUnits {
  const call = async (verb: string) => {
    if (units.length === 0) throw new StreetsenseError('IOT_USAGE', 'no agent units configured', 'agentUnits')
    try {
      await run(systemctl, [verb, ...units], { timeout: 120_000 })
    } catch (err) {
      const e = err as Error & { stderr?: string }
      throw new StreetsenseError(
        'IOT_EDGE_UPDATE_FAILED',
        `systemctl ${verb} ${units.join(' ')} failed: ${(e.stderr || e.message).trim()}`,
      )
    }
  }
  return {
    async restart() {
      await call('reset-failed').catch(() => undefined)
      await call('restart')
    },
    stop: () => call('stop'),
    start: () => call('start'),
  }
}
