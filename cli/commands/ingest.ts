import type { Command } from 'commander'

// Placeholder until the ingest work lands: it says so instead of pretending to work.
export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('(ingest: not built yet)')
    .allowUnknownOption()
    .action(() => {
      console.error('streetsense ingest is not built yet')
      process.exitCode = 2
    })
}
