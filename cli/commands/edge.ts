/**
 * `streetsense edge ...`: the field engineer's tools. run (the agent), doctor (diagnosis on site),
 * flash (StandardFirmata onto an Arduino), provision (write a node config), simulate (a fleet of
 * simulated nodes for the demo and load tests).
 */
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { addSettingOptions, createLogger, loadSettings, type StreetsenseError } from '../../core/index.js'
import { type EdgeSettings, EdgeSettingsSchema, loadEdgeConfig } from '../../edge/index.js'

function fail(err: unknown): void {
  const e = err as StreetsenseError
  console.error(e.code ? `${e.code}: ${e.message}` : String((err as Error)?.message ?? err))
  process.exitCode = 2
}

function onSignals(stop: () => Promise<void>): void {
  let stopping = false
  const handler = () => {
    if (stopping) return
    stopping = true
    stop().finally(() => process.exit(0))
  }
  process.once('SIGINT', handler)
  process.once('SIGTERM', handler)
}

export function registerEdgeCommand(program: Command): void {
  const edge = program.command('edge').description('Edge agent and field tools for sensor nodes (Raspberry Pi)')

  addSettingOptions(
    edge.command('run').description('Run the edge agent for one node config'),
    EdgeSettingsSchema,
  ).action(async (flags: Record<string, unknown>) => {
    try {
      const settings = loadSettings<EdgeSettings>(EdgeSettingsSchema, flags)
      const { runEdgeAgent } = await import('../../edge/index.js')
      await runEdgeAgent(settings.config, settings.logLevel)
    } catch (err) {
      fail(err)
    }
  })

  edge
    .command('doctor')
    .description('Check a node on site: serial ports, a live frame from each sensor, broker login, clock')
    .requiredOption('--config <file>', 'node config file')
    .option('--timeout <seconds>', 'how long to wait for a frame from each sensor', '15')
    .action(async (opts: { config: string; timeout: string }) => {
      try {
        const config = loadEdgeConfig(opts.config)
        const { runDoctor, formatChecks } = await import('../../edge/index.js')
        const checks = await runDoctor(config, createLogger('warn', 'streetsense-edge'), {
          frameTimeoutMs: Number(opts.timeout) * 1000,
        })
        console.log(formatChecks(checks))
        process.exitCode = checks.every((c) => c.ok) ? 0 : 1
      } catch (err) {
        fail(err)
      }
    })

  edge
    .command('flash')
    .description('Write StandardFirmata to an Arduino (avrgirl-arduino, hex files it ships)')
    .option('--board <name>', 'board type: uno, nano, mega, leonardo, micro, ...')
    .option('--port <path>', 'serial port of the board, e.g. /dev/ttyACM0')
    .option('--hex <file>', 'another Intel HEX file instead of StandardFirmata')
    .option('--dry-run', 'check the plan and print it without flashing')
    .action(async (opts: { board?: string; port?: string; hex?: string; dryRun?: boolean }) => {
      try {
        const { planFlash, flashBoard } = await import('../../edge/index.js')
        const plan = planFlash(opts)
        console.log(
          `board ${plan.board} on ${plan.port}\nhex ${plan.hexPath} (${plan.bytes} bytes, sha256 ${plan.sha256})`,
        )
        if (opts.dryRun) return
        console.log('flashing (stop any agent using this port first) ...')
        await flashBoard(plan)
        console.log('done: the board runs StandardFirmata')
      } catch (err) {
        fail(err)
      }
    })

  edge
    .command('provision')
    .description('Write a node config from its register id and credentials')
    .option('--sensor <id>', 'register id (also the MQTT username)')
    .option('--password <password>', 'device password issued by `streetsense sensors add`')
    .option('--broker-url <url>', 'e.g. mqtts://mqtt.borough.gov.uk:8883')
    .option('--borough <code>', 'ONS code, e.g. E09000007')
    .option('--kind <kind>', 'air or traffic')
    .option('--from-json <file>', 'the JSON printed by `streetsense sensors add --json`')
    .option('--driver <driver>', 'sensor driver to put in the config: sds011, pms5003, arduino, simulated', 'simulated')
    .option('--port <path>', 'serial port of that sensor')
    .option('--data-dir <dir>', 'outbox directory on the node', '/var/lib/streetsense-edge')
    .requiredOption('--out <file>', 'config file to write (.yaml or .json)')
    .action(async (opts: Record<string, string | undefined>) => {
      try {
        const { buildNodeConfig, fromSensorsAddJson, writeNodeConfig } = await import('../../edge/index.js')
        const fromJson = opts.fromJson ? fromSensorsAddJson(JSON.parse(readFileSync(opts.fromJson, 'utf8'))) : {}
        const pick = (k: string) => opts[k] ?? (fromJson as Record<string, string | undefined>)[k]
        const config = buildNodeConfig({
          sensor: pick('sensor'),
          password: pick('password'),
          brokerUrl: pick('brokerUrl'),
          borough: pick('borough'),
          kind: pick('kind'),
          driver: opts.driver,
          port: opts.port,
          dataDir: opts.dataDir,
        })
        writeNodeConfig(opts.out!, config)
        console.log(`wrote ${opts.out} for ${config.sensor.id} (${config.sensor.kind}, ${config.sensor.borough})`)
      } catch (err) {
        fail(err)
      }
    })

  edge
    .command('simulate')
    .description('Run N simulated nodes in one process, each with its own outbox and MQTT connection')
    .requiredOption('--broker-url <url>', 'broker URL')
    .option('--count <n>', 'number of nodes', '10')
    .requiredOption('--data-dir <dir>', "directory for the nodes' outboxes")
    .option('--credentials <file>', 'JSON array of `sensors add --json` outputs (else anonymous)')
    .option(
      '--register <registry-dir>',
      'register the demo sensors in the registry in this directory (or reuse them) and use their credentials',
    )
    .option('--interval <seconds>', 'publish interval', '60')
    .option('--sample-ms <ms>', 'simulated sampling period', '1000')
    .option('--boroughs <codes>', 'comma-separated borough codes to spread nodes over')
    .option('--seed <n>', 'random seed', '1')
    .action(async (opts: Record<string, string | undefined>) => {
      try {
        const { startSimulatedFleet } = await import('../../edge/index.js')
        const logger = createLogger(process.env.STREETSENSE_LOG_LEVEL ?? 'info', 'streetsense-edge-sim')
        let credentials: unknown = opts.credentials
        if (opts.register) {
          // The same demo sensors as `streetsense up`, with real credentials (the compose demo profile).
          const { openRegistry } = await import('../../registry/index.js')
          const { ensureDemoSensors } = await import('../up/demo-sensors.js')
          const registry = openRegistry(opts.register)
          try {
            credentials = ensureDemoSensors(registry, opts.register, Number(opts.count))
          } finally {
            registry.close()
          }
        }
        const fleet = await startSimulatedFleet({
          brokerUrl: opts.brokerUrl!,
          count: Number(opts.count),
          dataDir: opts.dataDir!,
          credentials,
          publishIntervalSeconds: Number(opts.interval),
          sampleMs: Number(opts.sampleMs),
          boroughs: opts.boroughs?.split(',').filter(Boolean),
          seed: Number(opts.seed),
          logger,
        })
        logger.info({ nodes: fleet.sensors.length }, 'simulated fleet running')
        onSignals(() => fleet.stop())
      } catch (err) {
        fail(err)
      }
    })
}
