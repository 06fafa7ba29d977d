/**
 * `streetsense ingest`: MQTT consumers + HTTP device intake -> durable spool -> InfluxDB. When
 * ready it prints one JSON line `{"event":"listening","port":N,"opsPort":M}` on stdout (scripts
 * and tests wait for it): `port` is the device intake, `opsPort` serves /metrics, /healthz and
 * /readyz. SIGTERM/SIGINT stop intake, let writes in progress finish, and keep the rest in the
 * spool. The public register is `streetsense register`.
 */
import type { Command } from 'commander'
import { addSettingOptions, createLogger, runService, settingsOrExit } from '../../core/index.js'
import { IngestSettingsSchema, loadIngestConfig, startIngest } from '../../ingest/index.js'

export function registerIngestCommand(program: Command): void {
  const command = program
    .command('ingest')
    .description('Validate readings from MQTT and HTTP, spool them durably and write them to InfluxDB')
  addSettingOptions(command, IngestSettingsSchema).action(async (opts: Record<string, unknown>) => {
    const config = settingsOrExit(() => loadIngestConfig(opts))
    if (!config) return
    const logger = createLogger()
    await runService({
      name: 'ingest',
      failureCode: 'IOT_INGEST_START_FAILED',
      log: logger,
      start: () => startIngest(config, { logger }),
      started: (ingest) =>
        console.log(JSON.stringify({ event: 'listening', port: ingest.port, opsPort: ingest.opsPort })),
    })
  })
}
