/** `streetsense boroughs`: the codes and names every `--borough` flag and `?borough=` parameter accepts. */
import type { Command } from 'commander'
import { BOROUGHS, resolveBorough, unknownBoroughMessage } from '../../schemas/index.js'

export function registerBoroughsCommand(program: Command): void {
  program
    .command('boroughs')
    .description("List London's 33 boroughs with the codes and names that --borough accepts")
    .argument('[name]', 'show only the borough this code or name resolves to')
    .option('--json', 'machine-readable output')
    .action((name: string | undefined, opts: { json?: boolean }) => {
      let rows = Object.entries(BOROUGHS).map(([code, boroughName]) => ({ code, name: boroughName }))
      if (name !== undefined) {
        const code = resolveBorough(name)
        if (!code) {
          console.error(`error: IOT_USAGE: ${unknownBoroughMessage(name)}`)
          process.exitCode = 1
          return
        }
        rows = rows.filter((r) => r.code === code)
      }
      if (opts.json) return console.log(JSON.stringify(rows))
      for (const r of rows) console.log(`${r.code}  ${r.name}`)
      if (name === undefined)
        console.log('Names work too, in any case: "City", "Kensington & Chelsea", "Richmond", "Kingston", ...')
    })
}
