// TEMPORARY: runs only the broker subcommand while cli/main.ts cannot load (missing ingest/start.ts).
import { Command } from 'commander'
import { registerBrokerCommand } from '../../cli/commands/broker.js'

const program = new Command('streetsense')
registerBrokerCommand(program)
await program.parseAsync(process.argv)
