/**
 * `streetsense edge simulate`: N simulated nodes in one process, each with its own outbox and MQTT
 * connection, until SIGTERM/SIGINT (the demo and load tests).
 */
import type { Command } from 'commander'
import { createLogger } from '../../../core/index.js'
import { boroughsOption } from '../../borough-option.js'
import { edgeAction } from './edge-action.js'

type SimulateOpts = Record<string, string | undefined>

export function registerSimulateCommand(edge: Command): void {
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
    .option('--boroughs <codes or names>', 'comma-separated boroughs (codes or names) to spread nodes over')
    .option('--seed <n>', 'random seed', '1')
    .action(edgeAction(simulate))
}

async function simulate(opts: SimulateOpts): Promise<void> {
  const { startSimulatedFleet } = await import('../../../edge/index.js')
  const logger = createLogger(process.env.STREETSENSE_LOG_LEVEL ?? 'info', 'streetsense-edge-sim')
  const fleet = await startSimulatedFleet({
    brokerUrl: opts.brokerUrl!,
    count: Number(opts.count),
    dataDir: opts.dataDir!,
    credentials: await fleetCredentials(opts),
    publishIntervalSeconds: Number(opts.interval),
    sampleMs: Number(opts.sampleMs),
    boroughs: opts.boroughs ? boroughsOption(opts.boroughs) : undefined,
    seed: Number(opts.seed),
    logger,
  })
  logger.info({ nodes: fleet.sensors.length }, 'simulated fleet running')
  stopOnSignals(() => fleet.stop())
}

/**
 * `--credentials FILE`, or with `--register DIR` the same demo sensors as `streetsense up`, with
 * real credentials (the compose demo profile).
 */
async function fleetCredentials(opts: SimulateOpts): Promise<unknown> {
  if (!opts.register) return opts.credentials
  const { openRegistry } = await import('../../../registry/index.js')
  const { ensureDemoSensors } = await import('../../up/demo-sensors.js')
  const registry = openRegistry(opts.register)
  try {
    return ensureDemoSensors(registry, opts.register, Number(opts.count))
  } finally {
    registry.close()
  }
}

function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false
  const handler = () => {
    if (stopping) return
    stopping = true
    stop().finally(() => process.exit(0))
  }
  process.once('SIGINT', handler)
  process.once('SIGTERM', handler)
}
