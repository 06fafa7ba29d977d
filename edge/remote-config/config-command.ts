/**
 * The agent's side of a config command: open the signed document (document.ts: config key,
 * this sensor, not expired, newer than the last applied), lay the settings over the node's own
 * file and the settings applied before (settings.ts, checked against the node config schema),
 * then try it: apply it (restarting what must restart), wait for its trial (every restarted
 * driver gives a sample, the broker is reached with new broker settings) and keep it, or put the
 * last good config back and say why. Only a config that passed its trial is written down
 * (store.ts), so a restart always starts from one that worked.
 */
import type { KeyObject } from 'node:crypto'
import type { Logger } from 'pino'
import { StreetsenseError } from '../../core/index.js'
import type { ConfigCommand } from '../../schemas/index.js'
import type { EdgeConfig } from '../config.js'
import type { Answer } from '../publish/commands.js'
import { loadPublicKey } from '../update/keys.js'
import { openConfigDocument } from './document.js'
import { mergeSettings, withRemoteSettings } from './settings.js'
import { clearTrial, readApplied, readTrial, writeApplied, writeTrial } from './store.js'

/** What the agent offers for a config change. */
export interface Reconfigurable {
  /** The config running now. */
  readonly current: EdgeConfig
  /** The interval the node publishes at now (a set_interval command may have changed it). */
  readonly interval: number
  /** Applies a config: new drivers, a new broker connection, timers, the interval if given. */
  reconfigure(next: EdgeConfig, interval?: number): Promise<void>
  /** Waits up to `ms` for the applied config to work; why it does not, or undefined. */
  trial(previous: EdgeConfig, ms: number): Promise<string | undefined>
}

export interface ConfigRunnerDeps {
  base: EdgeConfig
  agent: Reconfigurable
  log: Logger
  now(): number
  remember(err: StreetsenseError): void
}

const refusedAnswer = (err: StreetsenseError): Answer => ({
  status: 'refused',
  reason: err.message.slice(0, 500),
  code: err.code,
})

export class ConfigRunner {
  private busy = false

  constructor(private readonly deps: ConfigRunnerDeps) {}

  start(command: ConfigCommand, report: (answer: Answer) => void): Answer {
    const { base } = this.deps
    if (this.busy)
      return refusedAnswer(new StreetsenseError('IOT_EDGE_CONFIG_REFUSED', 'busy: another config is on trial'))
    let next: EdgeConfig
    let version: number
    let settings: ReturnType<typeof mergeSettings>
    try {
      const applied = readApplied(base.dataDir)
      const doc = openConfigDocument(command, {
        publicKey: this.publicKey(),
        sensor: base.sensor.id,
        borough: base.sensor.borough,
        lastVersion: applied?.version,
        now: this.deps.now(),
      })
      version = doc.version
      settings = mergeSettings(applied?.settings ?? {}, doc.settings)
      next = withRemoteSettings(base, settings)
    } catch (err) {
      if (!(err instanceof StreetsenseError)) throw err
      this.deps.remember(err)
      return refusedAnswer(err)
    }
    this.busy = true
    writeTrial(base.dataDir, { commandId: command.id, version, startedAt: new Date(this.deps.now()).toISOString() })
    const interval = settings.publishIntervalSeconds !== undefined ? next.publishIntervalSeconds : undefined
    void this.attempt(next, interval, { command, version, settings }, report).finally(() => {
      this.busy = false
    })
    return { status: 'accepted', detail: { state: 'pending', version } }
  }

  /** At start: a trial found on disk was cut short; the last good config is what runs. */
  resume(report: (commandId: string) => (answer: Answer) => void): void {
    const trial = readTrial(this.deps.base.dataDir)
    if (!trial) return
    clearTrial(this.deps.base.dataDir)
    report(trial.commandId)({
      status: 'failed',
      reason: 'the trial was cut short by a restart; the last good config is in use',
      code: 'IOT_EDGE_CONFIG_ROLLED_BACK',
      detail: { state: 'rolled_back', version: trial.version },
    })
  }

  private publicKey(): KeyObject {
    try {
      return loadPublicKey(this.deps.base.remoteConfig.key)
    } catch (err) {
      throw new StreetsenseError(
        'IOT_EDGE_CONFIG_REFUSED',
        `no config key to check it with: ${(err as Error).message}`,
        'key',
      )
    }
  }

  private async attempt(
    next: EdgeConfig,
    interval: number | undefined,
    what: { command: ConfigCommand; version: number; settings: ReturnType<typeof mergeSettings> },
    report: (answer: Answer) => void,
  ): Promise<void> {
    const { agent, base, log } = this.deps
    const previous = agent.current
    const previousInterval = agent.interval
    let failure: string | undefined
    try {
      await agent.reconfigure(next, interval)
      failure = await agent.trial(previous, base.remoteConfig.trialSeconds * 1000)
    } catch (err) {
      failure = (err as Error).message
    }
    if (failure === undefined) {
      writeApplied(base.dataDir, {
        version: what.version,
        settings: what.settings,
        document: what.command.document,
        signature: what.command.signature,
        commandId: what.command.id,
        appliedAt: new Date(this.deps.now()).toISOString(),
      })
      clearTrial(base.dataDir)
      log.info({ version: what.version, settings: what.command.document }, 'remote config applied')
      return report({ status: 'done', detail: { state: 'healthy', version: what.version } })
    }
    log.warn(
      { version: what.version, reason: failure },
      'remote config failed its trial; going back to the last good one',
    )
    await agent
      .reconfigure(previous, interval === undefined ? undefined : previousInterval)
      .catch((err: Error) => log.error({ err: err.message }, 'could not fully restore the last good config'))
    clearTrial(base.dataDir)
    const err = new StreetsenseError('IOT_EDGE_CONFIG_ROLLED_BACK', `config v${what.version} rolled back: ${failure}`)
    this.deps.remember(err)
    report({
      status: 'failed',
      reason: err.message.slice(0, 500),
      code: err.code,
      detail: { state: 'rolled_back', version: what.version },
    })
  }
}
