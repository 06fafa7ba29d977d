/**
 * `streetsense ingest`: MQTT consumers + HTTP intake -> durable spool -> InfluxDB. When ready it
 * prints one JSON line `{"event":"listening","port":N}` on stdout (scripts and tests wait for it).
 * SIGTERM/SIGINT stop intake, let writes in progress finish, and keep the rest in the spool.
 */
import type { Command } from 'commander'
import { type IngestConfig, IngestSettingsSchema, loadIngestConfig } from '../../ingest/config.js'
import { startIngest } from '../../ingest/service.js'
import { createLogger } from '../logger.js'
import { addSettingOptions, ConfigError } from '../settings.js'

export function registerIngestCommand(program: Command): void {
  const command = program
    .command('ingest')
    .description('validate readings from MQTT and HTTP, spool them durably and write them to InfluxDB')
  addSettingOptions(command, IngestSettingsSchema).action(async (opts: Record<string, unknown>) => {
    let config: IngestConfig
    try {
      config = loadIngestConfig(opts)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      console.error(`error: ${err.message}`)
      process.exitCode = 1
      return
    }
    const logger = createLogger()
    let ingest: Awaited<ReturnType<typeof startIngest>>
    try {
      ingest = await startIngest(config, { logger, openData: config.openData })
    } catch (err) {
      logger.fatal({ err }, 'IOT_INGEST_START_FAILED: ingest could not start')
      console.error(`error: ingest could not start: ${(err as Error).message}`)
      process.exitCode = 1
      return
    }
    console.log(JSON.stringify({ event: 'listening', port: ingest.port }))
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      logger.info({ signal }, 'stopping ingest')
      const force = setTimeout(() => process.exit(1), 15_000)
      force.unref()
      ingest.close().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'error while stopping')
          process.exit(1)
        },
      )
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
  })
}
