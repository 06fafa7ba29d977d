import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { detectSchema, SCHEMA_IDS, type SchemaName, validateAs } from '../../schemas/index.js'

const TYPES = Object.keys(SCHEMA_IDS) as SchemaName[]

export interface FileReport {
  file: string
  schema: SchemaName | undefined
  ok: boolean
  errors: { path: string; message: string }[]
}

/** Validates one file; a file that cannot be read or parsed is reported, not thrown. */
export function validateFile(file: string, type?: SchemaName): FileReport {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    return { file, schema: type, ok: false, errors: [{ path: '/', message: (err as Error).message }] }
  }
  const schema = type ?? detectSchema(value)
  const result = validateAs(schema, value)
  return { file, schema, ok: result.ok, errors: result.ok ? [] : result.errors }
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('Check JSON files against the shared schema (reading, batch, status, register entry, ...)')
    .argument('<files...>', 'JSON files to check')
    .option('--type <type>', `schema to use instead of detecting it: ${TYPES.join(', ')}`)
    .option('--json', 'print one JSON report per file')
    .action((files: string[], opts: { type?: string; json?: boolean }) => {
      if (opts.type && !TYPES.includes(opts.type as SchemaName)) {
        console.error(`unknown --type ${opts.type}; use one of ${TYPES.join(', ')}`)
        process.exitCode = 2
        return
      }
      let failed = 0
      for (const file of files) {
        const report = validateFile(file, opts.type as SchemaName | undefined)
        if (!report.ok) failed++
        if (opts.json) {
          console.log(JSON.stringify(report))
          continue
        }
        console.log(`${report.ok ? 'valid  ' : 'INVALID'} ${file} (${report.schema ?? 'unknown'})`)
        for (const e of report.errors) console.log(`  ${e.path}: ${e.message}`)
      }
      if (!opts.json) console.log(`${files.length - failed} valid, ${failed} invalid`)
      process.exitCode = failed > 0 ? 1 : 0
    })
}
