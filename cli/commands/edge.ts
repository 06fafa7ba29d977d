import type { Command } from 'commander'

// Placeholder until the edge work lands: it says so instead of pretending to work.
export function registerEdgeCommand(program: Command): void {
  program
    .command('edge')
    .description('(edge: not built yet)')
    .allowUnknownOption()
    .action(() => {
      console.error('streetsense edge is not built yet')
      process.exitCode = 2
    })
}
