import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { ALL_SCHEMAS } from '../../schemas/validate.js'

// docs/schema.md must name every field of every schema, so the doc cannot fall behind the code.
function fieldNames(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) fieldNames(s, out)
  else if (schema && typeof schema === 'object') {
    const o = schema as Record<string, unknown>
    if (o.properties && typeof o.properties === 'object') for (const k of Object.keys(o.properties)) out.add(k)
    for (const v of Object.values(o)) fieldNames(v, out)
  }
  return out
}

it('docs/schema.md documents every field and every schema $id', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/schema.md'), 'utf8')
  const missing = [...fieldNames(ALL_SCHEMAS)].filter((f) => !doc.includes(`\`${f}\``))
  expect(missing).toEqual([])
  for (const s of ALL_SCHEMAS) expect(doc).toContain(s.$id)
})
