/**
 * `streetsense broker`: the MQTT broker with the registry's auth and ACL, limits and metrics.
 * When ready it prints one JSON line `{"event":"listening","ports":{...}}` on stdout (among the
 * pino log lines; tests and scripts look for it). SIGTERM/SIGINT close it gracefully.
 */
import type { Command } from 'commander'
import { type BrokerSettings, BrokerSettingsSchema, startBroker } from '../../broker/index.js'
import { addSettingOptions, createLogger, loadSettings, runService, settingsOrExit } from '../../core/index.js'

export function registerBrokerCommand(program: Command): void {
  const command = program
    .command('broker')
    .description('Run the MQTT broker (Aedes) with registry authentication, topic ACL, limits and metrics')
  addSettingOptions(command, BrokerSettingsSchema).action(async (opts: Record<string, unknown>) => {
    const settings = settingsOrExit(() => loadSettings<BrokerSettings>(BrokerSettingsSchema, opts))
    if (!settings) return
    const log = createLogger(settings.logLevel).child({ stage: 'broker' })
    await runService({
      name: 'broker',
      failureCode: 'IOT_BROKER_START_FAILED',
      log,
      start: () => startBroker(settings, { log }),
      started: (broker) => console.log(JSON.stringify({ event: 'listening', ports: broker.ports })),
    })
  })
}
