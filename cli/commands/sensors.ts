import type { Command } from 'commander'

// Placeholder until the sensors work lands: it says so instead of pretending to work.
export function registerSensorsCommand(program: Command): void {
  program
    .command('sensors')
    .description('(sensors: not built yet)')
    .allowUnknownOption()
    .action(() => {
      console.error('streetsense sensors is not built yet')
      process.exitCode = 2
    })
}
