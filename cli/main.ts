/**
 * `streetsense`: one CLI for every part of the platform. Each subcommand lives in
 * cli/commands/<name>.ts and is loaded only when used, so `validate` starts fast on a Pi.
 */
import { Command } from 'commander'
import { packageVersion } from '../core/index.js'
import { registerArchiveCommand } from './commands/archive.js'
import { registerBrokerCommand } from './commands/broker.js'
import { registerDevicesCommand } from './commands/devices.js'
import { registerEdgeCommand } from './commands/edge.js'
import { registerFleetCommand } from './commands/fleet.js'
import { registerIngestCommand } from './commands/ingest.js'
import { registerQualityCommand } from './commands/quality.js'
import { registerQuarantineCommand } from './commands/quarantine.js'
import { registerSensorsCommand } from './commands/sensors.js'
import { registerUpCommand } from './commands/up.js'
import { registerValidateCommand } from './commands/validate.js'

const program = new Command('streetsense')
  .description("Open street-sensor platform for London's boroughs")
  .version(packageVersion())
  .showHelpAfterError()
  // Program options only before the subcommand, so `fleet release --version V` is the release's version.
  .enablePositionalOptions()

registerUpCommand(program)
registerBrokerCommand(program)
registerIngestCommand(program)
registerEdgeCommand(program)
registerFleetCommand(program)
registerSensorsCommand(program)
registerDevicesCommand(program)
registerArchiveCommand(program)
registerQuarantineCommand(program)
registerQualityCommand(program)
registerValidateCommand(program)

await program.parseAsync(process.argv)
