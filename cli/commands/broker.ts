import type { Command } from 'commander'

// Placeholder until the broker work lands: it says so instead of pretending to work.
export function registerBrokerCommand(program: Command): void {
  program
    .command('broker')
    .description('(broker: not built yet)')
    .allowUnknownOption()
    .action(() => {
      console.error('streetsense broker is not built yet')
      process.exitCode = 2
    })
}
