/** The field engineer's tools on site: `edge doctor`, `edge flash`, `edge provision`. */
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { createLogger } from '../../../core/index.js'
import { loadEdgeConfig } from '../../../edge/index.js'
import { boroughOption } from '../../borough-option.js'
import { edgeAction } from './edge-action.js'

export function registerDoctorCommand(edge: Command): void {
  edge
    .command('doctor')
    .description('Check a node on site: serial ports, a live frame from each sensor, broker login, clock')
    .requiredOption('--config <file>', 'node config file')
    .option('--timeout <seconds>', 'how long to wait for a frame from each sensor', '15')
    .action(
      edgeAction(async (opts: { config: string; timeout: string }) => {
        const config = loadEdgeConfig(opts.config)
        const { runDoctor, formatChecks } = await import('../../../edge/index.js')
        const checks = await runDoctor(config, createLogger('warn', 'streetsense-edge'), {
          frameTimeoutMs: Number(opts.timeout) * 1000,
        })
        console.log(formatChecks(checks))
        process.exitCode = checks.every((c) => c.ok) ? 0 : 1
      }),
    )
}

export function registerFlashCommand(edge: Command): void {
  edge
    .command('flash')
    .description('Write StandardFirmata to an Arduino (avrgirl-arduino, hex files it ships)')
    .option('--board <name>', 'board type: uno, nano, mega, leonardo, micro, ...')
    .option('--port <path>', 'serial port of the board, e.g. /dev/ttyACM0')
    .option('--hex <file>', 'another Intel HEX file instead of StandardFirmata')
    .option('--dry-run', 'check the plan and print it without flashing')
    .action(
      edgeAction(async (opts: { board?: string; port?: string; hex?: string; dryRun?: boolean }) => {
        const { planFlash, flashBoard } = await import('../../../edge/index.js')
        const plan = planFlash(opts)
        console.log(
          `board ${plan.board} on ${plan.port}\nhex ${plan.hexPath} (${plan.bytes} bytes, sha256 ${plan.sha256})`,
        )
        if (opts.dryRun) return
        console.log('flashing (stop any agent using this port first) ...')
        await flashBoard(plan)
        console.log('done: the board runs StandardFirmata')
      }),
    )
}

export function registerProvisionCommand(edge: Command): void {
  edge
    .command('provision')
    .description('Write a node config from its register id and credentials')
    .option('--sensor <id>', 'register id (also the MQTT username)')
    .option('--password-file <file>', 'file holding the device password issued by `streetsense sensors add`')
    .option(
      '--password-env <variable>',
      'environment variable holding the device password (never a flag value: ps shows it)',
    )
    .option('--broker-url <url>', 'e.g. mqtts://mqtt.borough.gov.uk:8883')
    .option('--borough <code or name>', 'borough: ONS code or name, e.g. E09000007 or Camden')
    .option('--kind <kind>', 'air or traffic')
    .option('--from-json <file>', 'the JSON printed by `streetsense sensors add --json`')
    .option('--driver <driver>', 'sensor driver to put in the config: sds011, pms5003, arduino, simulated', 'simulated')
    .option('--port <path>', 'serial port of that sensor')
    .option('--data-dir <dir>', 'outbox directory on the node', '/var/lib/streetsense-edge')
    .requiredOption('--out <file>', 'config file to write (.yaml or .json)')
    .action(edgeAction(provision))
}

/** Flags win over the `--from-json` file, field by field. */
async function provision(opts: Record<string, string | undefined>): Promise<void> {
  const { buildNodeConfig, fromSensorsAddJson, writeNodeConfig } = await import('../../../edge/index.js')
  const fromJson = opts.fromJson ? fromSensorsAddJson(JSON.parse(readFileSync(opts.fromJson, 'utf8'))) : {}
  const pick = (k: string) => opts[k] ?? (fromJson as Record<string, string | undefined>)[k]
  const config = buildNodeConfig({
    sensor: pick('sensor'),
    password: givenPassword(opts) ?? pick('password'),
    brokerUrl: pick('brokerUrl'),
    borough: boroughOption(pick('borough')),
    kind: pick('kind'),
    driver: opts.driver,
    port: opts.port,
    dataDir: opts.dataDir,
  })
  writeNodeConfig(opts.out!, config)
  console.log(`wrote ${opts.out} for ${config.sensor.id} (${config.sensor.kind}, ${config.sensor.borough})`)
}

/** The password from --password-file or --password-env (a secret never comes as a flag value). */
function givenPassword(opts: Record<string, string | undefined>): string | undefined {
  if (opts.passwordFile) return readFileSync(opts.passwordFile, 'utf8').replace(/\r?\n$/, '')
  if (opts.passwordEnv) {
    const value = process.env[opts.passwordEnv]
    if (!value) throw new Error(`--password-env ${opts.passwordEnv}: that variable is not set`)
    return value
  }
  return undefined
}
