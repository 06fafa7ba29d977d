/**
 * The ingest's side of the downlink: the command link (MQTT), the sender (sendCommand and the
 * pick-up of commands the register queued), the recording of devices' answers, and the pruning
 * of old commands. startIngest starts it when it has a registry and MQTT.
 */
import type { Logger } from 'pino'
import type { Registry as MetricsRegistry } from 'prom-client'
import type { CommandRecord, Registry } from '../../registry/index.js'
import type { IngestConfig } from '../config.js'
import { openCommandLink } from './command-link.js'
import { createCommandMetrics } from './command-metrics.js'
import { recordResult } from './command-results.js'
import { type CommandRequest, CommandSender } from './command-sender.js'

export type { CommandRequest } from './command-sender.js'

export interface IngestCommands {
  /** See CommandSender.sendCommand: records, publishes, resolves with the record. */
  sendCommand(request: CommandRequest): Promise<CommandRecord>
  /** Look for queued commands now (the register has just written one). */
  wake(): void
  close(): Promise<void>
}

export type CommandSettings = Pick<
  IngestConfig,
  | 'mqttUrl'
  | 'mqttUsername'
  | 'mqttPassword'
  | 'boroughs'
  | 'instance'
  | 'commandPollMs'
  | 'commandExpirySeconds'
  | 'commandRetentionDays'
>

const DAY_MS = 86_400_000

export function startCommands(
  config: CommandSettings,
  deps: { registry: Registry; metricsRegistry: MetricsRegistry; logger: Logger },
): IngestCommands {
  const log = deps.logger.child({ component: 'commands' })
  const metrics = createCommandMetrics(deps.metricsRegistry)
  const commands = deps.registry.commands
  let sender: CommandSender | undefined
  let waking: NodeJS.Immediate | undefined
  const sendQueued = () => {
    waking = undefined
    try {
      sender?.sendQueued()
    } catch (err) {
      log.error({ err }, 'could not read queued commands')
    }
  }
  const wake = () => {
    waking ??= setImmediate(sendQueued)
  }
  const link = openCommandLink(
    config,
    { connected: wake, result: (topic, payload) => recordResult({ commands, metrics, log }, topic, payload) },
    log,
  )
  sender = new CommandSender(config, deps.registry, link, metrics, log)
  const prune = () => commands.prune(new Date(Date.now() - config.commandRetentionDays * DAY_MS).toISOString())
  const timers = [setInterval(sendQueued, config.commandPollMs), setInterval(prune, 3_600_000)]
  for (const t of timers) t.unref()
  return {
    sendCommand: (request) => sender.sendCommand(request),
    wake,
    async close() {
      for (const t of timers) clearInterval(t)
      if (waking) clearImmediate(waking)
      await link.close()
    },
  }
}
