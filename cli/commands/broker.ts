/**
 * `streetsense broker`: the MQTT broker with the registry's auth and ACL, limits and metrics.
 * When ready it prints one JSON line `{"event":"listening","ports":{...}}` on stdout (among the
 * pino log lines; tests and scripts look for it). SIGTERM/SIGINT close it gracefully.
 */
import type { Command } from 'commander'
import { type BrokerSettings, SettingsSchema } from '../../broker/config.js'
import { startBroker } from '../../broker/start.js'
import { createLogger } from '../logger.js'
import { addSettingOptions, ConfigError, loadSettings } from '../settings.js'

export function registerBrokerCommand(program: Command): void {
  const command = program
    .command('broker')
    .description('run the MQTT broker (Aedes) with registry authentication, topic ACL, limits and metrics')
  addSettingOptions(command, SettingsSchema).action(async (opts: Record<string, unknown>) => {
    let settings: Readonly<BrokerSettings>
    try {
      settings = loadSettings<BrokerSettings>(SettingsSchema, opts)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      console.error(`error: ${err.message}`)
      process.exitCode = 1
      return
    }
    const log = createLogger(settings.logLevel).child({ stage: 'broker' })
    let broker: Awaited<ReturnType<typeof startBroker>>
    try {
      broker = await startBroker(settings, { log })
    } catch (err) {
      log.fatal({ err }, 'IOT_BROKER_START_FAILED: broker could not start')
      console.error(`error: broker could not start: ${(err as Error).message}`)
      process.exitCode = 1
      return
    }
    console.log(JSON.stringify({ event: 'listening', ports: broker.ports }))
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      log.info({ signal }, 'stopping broker')
      const force = setTimeout(() => process.exit(1), 15_000)
      force.unref()
      broker.close().then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'error while stopping')
          process.exit(1)
        },
      )
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
  })
}
