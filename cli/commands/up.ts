import type { Command } from 'commander'
import { addSettingOptions, loadSettings } from '../../core/index.js'
import { runPlatform } from '../up/run-platform.js'
import { type UpSettings, UpSettingsSchema } from '../up/up-settings.js'

export function registerUpCommand(program: Command): void {
  const cmd = program
    .command('up')
    .description('run the whole platform locally: InfluxDB, broker, ingest, register and simulated street sensors')
  addSettingOptions(cmd, UpSettingsSchema).action(async (flags: Record<string, unknown>) => {
    let settings: UpSettings
    try {
      settings = loadSettings<UpSettings>(UpSettingsSchema, flags)
    } catch (err) {
      console.error((err as Error).message)
      process.exitCode = 2
      return
    }
    const started = Date.now()
    const progress = (step: number, total: number, what: string) =>
      console.error(`[${step}/${total}] ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
    let platform: Awaited<ReturnType<typeof runPlatform>>
    try {
      platform = await runPlatform(settings, progress)
    } catch (err) {
      console.error(`streetsense up failed: ${(err as Error).message}`)
      process.exitCode = 1
      return
    }
    const { urls } = platform
    console.log(`
streetsense is up: ${platform.sensors} simulated street sensors are publishing.
  Open data API   ${urls.api}
  API docs        ${urls.docs}
  Device intake   ${urls.intake}
  Ingest metrics  ${urls.metrics}
  MQTT broker     ${urls.mqtt}
  InfluxDB        ${urls.influx}
  Service logs    ${platform.logFile}
Press Ctrl-C to stop. The public register:
${urls.register}`)
    let stopping = false
    const shutdown = async () => {
      if (stopping) return
      stopping = true
      console.error('stopping...')
      await platform.stop()
      console.error('stopped')
      process.exit(0)
    }
    process.on('SIGINT', shutdown)
    process.on('SIGTERM', shutdown)
  })
}
