import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { generateTypes } from '../../schemas/generate-types.js'

it('schemas/types.gen.ts is generated from the current schemas (run npm run schemas:types)', async () => {
  const committed = readFileSync(join(import.meta.dirname, '../../schemas/types.gen.ts'), 'utf8')
  expect(committed).toBe(await generateTypes())
})
