import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { detectSchema, validateAs } from '../../schemas/validate.js'

const dir = join(import.meta.dirname, '../../schemas/examples')
const files = (sub: string) => readdirSync(join(dir, sub)).filter((f) => f.endsWith('.json'))
const load = (sub: string, file: string): unknown => JSON.parse(readFileSync(join(dir, sub, file), 'utf8'))

describe('schemas/examples/valid', () => {
  it.each(files('valid'))('%s passes', (file) => {
    const value = load('valid', file)
    const result = validateAs(detectSchema(value), value)
    expect(result.ok ? [] : result.errors).toEqual([])
  })
})

describe('schemas/examples/invalid: each fails for the reason its name states', () => {
  // <what is wrong>__<path with dots>__<ajv keyword or our own check>.json
  it.each(files('invalid'))('%s fails', (file) => {
    const [, dotted, keyword] = file.replace(/\.json$/, '').split('__')
    const pointer = `/${dotted!.replaceAll('.', '/')}`
    const value = load('invalid', file)
    const result = validateAs(detectSchema(value), value)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.errors).toContainEqual(expect.objectContaining({ path: pointer, keyword }))
  })
})
