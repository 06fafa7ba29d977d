import type { Command } from 'commander'

// Placeholder until the up work lands: it says so instead of pretending to work.
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('(up: not built yet)')
    .allowUnknownOption()
    .action(() => {
      console.error('streetsense up is not built yet')
      process.exitCode = 2
    })
}
