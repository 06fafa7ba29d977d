import type { Command } from 'commander'

// Placeholder until the quarantine work lands: it says so instead of pretending to work.
export function registerQuarantineCommand(program: Command): void {
  program
    .command('quarantine')
    .description('(quarantine: not built yet)')
    .allowUnknownOption()
    .action(() => {
      console.error('streetsense quarantine is not built yet')
      process.exitCode = 2
    })
}
