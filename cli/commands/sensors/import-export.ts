/**
 * `sensors import` / `sensors export`: moving register entries in and out as JSON or CSV files.
 * `readEntries` is also used by `sensors add --file`, so both paths accept the same file formats.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { StreetsenseError } from '../../../core/index.js'
import { entriesFromCsv, toCsv } from '../../../registry/index.js'
import { registrySubcommand, withRegistry } from './registry-action.js'

/** Reads register entries from a JSON file (one entry or an array) or a CSV file. */
export function readEntries(file: string): unknown[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new StreetsenseError('IOT_USAGE', `cannot read ${file}: ${(err as Error).message}`, 'file')
  }
  // A file not named .csv is still CSV when it does not start like JSON, so `entries.txt` works too.
  if (/\.csv$/i.test(file) || !/^\s*[[{]/.test(text)) return entriesFromCsv(text)
  try {
    const parsed = JSON.parse(text) as unknown
    return Array.isArray(parsed) ? parsed : [parsed]
  } catch (err) {
    throw new StreetsenseError('IOT_USAGE', `${file} is not JSON: ${(err as Error).message}`, 'file')
  }
}

export function registerImportExportCommands(sensors: Command): void {
  registrySubcommand(sensors, 'import', 'Register many sensors from a JSON array or CSV file (all or nothing)')
    .argument('<file>')
    .option('--update', 'update sensors that already exist instead of failing')
    .action(
      withRegistry((registry, o, [file]) => {
        const creds = registry.importSensors(readEntries(file!), 'cli', { update: Boolean(o.update) })
        if (o.json) return console.log(JSON.stringify(creds))
        console.log('username,password')
        for (const c of creds) console.log(`${c.username},${c.password}`)
        // The count goes to stderr so stdout stays a clean CSV of credentials.
        console.error(`${creds.length} new sensor(s); passwords are shown once`)
      }),
    )

  registrySubcommand(sensors, 'export', 'Write every register entry as JSON or CSV (no secrets)')
    .option('--format <format>', 'json | csv', 'json')
    .option('--output <file>', 'write to a file instead of stdout')
    .action(
      withRegistry((registry, o) => {
        if (o.format !== 'json' && o.format !== 'csv')
          throw new StreetsenseError('IOT_USAGE', '--format must be json or csv', 'format')
        const entries = registry.listSensors().map((r) => r.entry)
        const text = o.format === 'csv' ? toCsv(entries) : `${JSON.stringify(entries, null, 2)}\n`
        if (o.output) writeFileSync(String(o.output), text)
        else process.stdout.write(text)
      }),
    )
}
