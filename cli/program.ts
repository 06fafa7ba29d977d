/**
 * The `streetsense` command tree, built without parsing, so tests can read every command's help.
 * Each subcommand lives in cli/commands/<name>.ts and loads its stage only when it runs.
 * Help texts: a command's description is a sentence (capital first), an option's a phrase (lower case).
 */
import { Command } from 'commander'
import { packageVersion } from '../core/index.js'
import { registerArchiveCommand } from './commands/archive.js'
import { registerBoroughsCommand } from './commands/boroughs.js'
import { registerBrokerCommand } from './commands/broker.js'
import { registerDevicesCommand } from './commands/devices.js'
import { registerEdgeCommand } from './commands/edge.js'
import { registerFleetCommand } from './commands/fleet.js'
import { registerDataCommand } from './commands/governance/data.js'
import { registerGovernanceRecordCommands } from './commands/governance/records.js'
import { registerIngestCommand } from './commands/ingest.js'
import { registerQualityCommand } from './commands/quality.js'
import { registerQuarantineCommand } from './commands/quarantine.js'
import { registerRegisterCommand } from './commands/register.js'
import { registerSensorsCommand } from './commands/sensors.js'
import { registerUpCommand } from './commands/up.js'
import { registerValidateCommand } from './commands/validate.js'

export function buildProgram(): Command {
  const program = new Command('streetsense')
    .description("Open street-sensor platform for London's boroughs")
    .version(packageVersion(), '-V, --version', 'output the version number')
    .helpOption('-h, --help', 'show help for this command')
    .helpCommand('help [command]', 'Show help for a command')
    .showHelpAfterError()
    // Program options only before the subcommand, so `fleet release --version V` is the release's version.
    .enablePositionalOptions()
  registerUpCommand(program)
  registerBrokerCommand(program)
  registerIngestCommand(program)
  registerRegisterCommand(program)
  registerEdgeCommand(program)
  registerFleetCommand(program)
  registerSensorsCommand(program)
  registerGovernanceRecordCommands(program)
  registerDataCommand(program)
  registerDevicesCommand(program)
  registerArchiveCommand(program)
  registerQuarantineCommand(program)
  registerQualityCommand(program)
  registerValidateCommand(program)
  registerBoroughsCommand(program)
  return program
}
