/**
 * `streetsense edge ...`: the field engineer's tools. run (the agent), doctor (diagnosis on site),
 * flash (StandardFirmata onto an Arduino), provision (write a node config), simulate (a fleet of
 * simulated nodes for the demo and load tests). The subcommands live in cli/commands/edge/.
 */
import type { Command } from 'commander'
import { registerDoctorCommand, registerFlashCommand, registerProvisionCommand } from './edge/field-tools.js'
import { registerRunCommand } from './edge/run.js'
import { registerSimulateCommand } from './edge/simulate.js'

export function registerEdgeCommand(program: Command): void {
  const edge = program.command('edge').description('Edge agent and field tools for sensor nodes (Raspberry Pi)')
  // Registration order is the order `streetsense edge --help` lists the subcommands in.
  registerRunCommand(edge)
  registerDoctorCommand(edge)
  registerFlashCommand(edge)
  registerProvisionCommand(edge)
  registerSimulateCommand(edge)
}
