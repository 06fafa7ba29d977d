/**
 * `streetsense sensors`: the register of sensors and the accounts that may use the broker.
 * Passwords are shown once, when issued; errors name the field and exit with code 1.
 * The subcommands live in cli/commands/sensors/, one file per concern.
 */
import type { Command } from 'commander'
import { registerImportExportCommands } from './sensors/import-export.js'
import { registerSensorLifecycleCommands } from './sensors/sensor-lifecycle.js'
import { registerServiceAccountCommands } from './sensors/service-accounts.js'

export function registerSensorsCommand(program: Command): void {
  const sensors = program.command('sensors').description('Manage the register of sensors and broker accounts')
  // Registration order is the order `streetsense sensors --help` lists the subcommands in.
  registerSensorLifecycleCommands(sensors)
  registerImportExportCommands(sensors)
  registerServiceAccountCommands(sensors)
}
