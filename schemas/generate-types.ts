/**
 * Writes schemas/types.gen.ts from the JSON Schemas, so no message field is declared twice by
 * hand. Run with `npm run schemas:types`; a test fails when the file is out of date.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compile } from 'json-schema-to-typescript'

const here = dirname(fileURLToPath(import.meta.url))
export const TYPES_FILE = join(here, 'types.gen.ts')

const ROOTS = {
  reading: 'reading.v1.json',
  batch: 'batch.v1.json',
  status: 'status.v1.json',
  registerEntry: 'register-entry.v1.json',
  deviceError: 'device-error.v1.json',
  command: 'command.v1.json',
  commandResult: 'command-result.v1.json',
}

export async function generateTypes(): Promise<string> {
  // One synthetic root, so shared definitions are emitted once.
  const properties: Record<string, unknown> = {}
  for (const [name, file] of Object.entries(ROOTS)) properties[name] = { $ref: file }
  const root = {
    title: 'StreetsenseMessages',
    type: 'object',
    additionalProperties: false,
    properties,
  }
  const ts = await compile(root as never, 'StreetsenseMessages', {
    cwd: here,
    bannerComment:
      '/* Generated from schemas/*.v1.json by schemas/generate-types.ts. Do not edit: run `npm run schemas:types`. */',
    additionalProperties: false,
    unreachableDefinitions: true,
    ignoreMinAndMaxItems: true,
    format: false,
    style: { singleQuote: true, semi: false },
  })
  // Formatted exactly as the committed file, so the freshness test can compare bytes.
  const biome = join(here, '..', 'node_modules', '.bin', 'biome')
  return execFileSync(biome, ['format', '--stdin-file-path=schemas/types.gen.ts'], { input: ts, encoding: 'utf8' })
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(TYPES_FILE, await generateTypes())
}
