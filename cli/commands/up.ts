/**
 * `streetsense up` (what `npm start` runs): the whole platform on this machine. The terminal
 * gets the progress, the URLs and, on failure, one line with the cause and exit code 1.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { addSettingOptions, loadSettings } from '../../core/index.js'
import { type RunningPlatform, runPlatform } from '../up/run-platform.js'
import { type UpSettings, UpSettingsSchema } from '../up/up-settings.js'

export function registerUpCommand(program: Command): void {
  const cmd = program
    .command('up')
    .description('Run the whole platform locally: InfluxDB, broker, ingest, register and simulated street sensors')
  addSettingOptions(cmd, UpSettingsSchema).action(async (flags: Record<string, unknown>) => {
    let settings: UpSettings
    try {
      settings = loadSettings<UpSettings>(UpSettingsSchema, flags)
    } catch (err) {
      console.error((err as Error).message)
      process.exitCode = 2
      return
    }
    noteOldDataDir(settings.dataDir)
    const started = Date.now()
    const progress = (step: number, total: number, what: string) =>
      console.error(`[${step}/${total}] ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
    let platform: RunningPlatform
    try {
      platform = await runPlatform(settings, progress)
    } catch (err) {
      const e = err as Error & { code?: string }
      const code = e.code?.startsWith('IOT_') ? `${e.code}: ` : ''
      console.error(`streetsense up failed: ${code}${e.message} (help: docs/troubleshooting.md)`)
      // Whatever a failed start left behind (a timer, a socket) must not keep the process alive.
      process.exit(1)
    }
    console.log(readyText(platform))
    stopOnSignals(platform)
  })
}

/** Earlier versions kept the platform's data in .data/platform, apart from `streetsense sensors`. */
function noteOldDataDir(dataDir: string): void {
  const old = join(dataDir, 'platform')
  if (existsSync(join(old, 'registry.sqlite')) && !existsSync(join(dataDir, 'registry.sqlite'))) {
    console.error(`note: ${old} holds the data of an earlier version; to keep using it, run with --data-dir ${old}`)
  }
}

function readyText({ sensors, urls, logFile }: RunningPlatform): string {
  return `
streetsense is up: ${sensors} simulated street sensors are publishing.
  Open data API    ${urls.api}
  API docs         ${urls.docs}
  Device intake    ${urls.intake}
  Ingest metrics   ${urls.metrics}
  MQTT broker      ${urls.mqtt}
  Broker metrics   ${urls.brokerMetrics}
  InfluxDB         ${urls.influx}
  Service logs     ${logFile}
Press Ctrl-C to stop. The public register:
${urls.register}`
}

function stopOnSignals(platform: RunningPlatform): void {
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
}
