/**
 * The one borough resolver (schemas/boroughs.ts) and the one wording of schema errors
 * (schemas/error-text.ts), as the CLI, the settings and the API use them.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../core/index.js'
import { IngestSettingsSchema } from '../../ingest/index.js'
import { BOROUGHS, resolveBorough, unknownBoroughMessage, validateRegisterEntry } from '../../schemas/index.js'

describe('resolveBorough', () => {
  it('takes every code and every register name, in any case and spacing', () => {
    for (const [code, name] of Object.entries(BOROUGHS)) {
      expect(resolveBorough(code)).toBe(code)
      expect(resolveBorough(code.toLowerCase())).toBe(code)
      expect(resolveBorough(name)).toBe(code)
      expect(resolveBorough(` ${name.toUpperCase()} `)).toBe(code)
    }
  })

  it('takes the names people write', () => {
    const cases: [string, string][] = [
      ['Camden', 'Camden'],
      ['city of london', 'City of London'],
      ['City', 'City of London'],
      ['City of London Corporation', 'City of London'],
      ['Kensington & Chelsea', 'Kensington and Chelsea'],
      ['Royal Borough of Kensington and Chelsea', 'Kensington and Chelsea'],
      ['Hammersmith & Fulham', 'Hammersmith and Fulham'],
      ['Barking & Dagenham', 'Barking and Dagenham'],
      ['Richmond', 'Richmond upon Thames'],
      ['Kingston', 'Kingston upon Thames'],
      ['Kingston-upon-Thames', 'Kingston upon Thames'],
      ['London Borough of Hackney', 'Hackney'],
      ['Westminster City Council', 'Westminster'],
      ['City of Westminster', 'Westminster'],
    ]
    for (const [input, name] of cases) {
      const code = resolveBorough(input)
      expect(code && BOROUGHS[code], input).toBe(name)
    }
  })

  it('knows no borough outside London and says which ones it knows', () => {
    for (const input of ['Camdn', 'Slough', 'E09000034', '', 'London'])
      expect(resolveBorough(input), input).toBe(undefined)
    const message = unknownBoroughMessage('Camdn')
    expect(message).toContain('"Camdn"')
    expect(message).toContain('E09000007 Camden')
    expect(message).toContain('E09000001 City of London')
    expect(message.match(/E090000\d\d/g)).toHaveLength(33)
  })
})

describe('settings and schema errors', () => {
  it('a --boroughs setting takes names, and refuses an unknown one listing the boroughs', () => {
    const ingest = loadSettings<{ boroughs: string[] }>(IngestSettingsSchema, { boroughs: 'Camden, city, Hackney' }, {})
    expect(ingest.boroughs).toEqual(['E09000007', 'E09000001', 'E09000012'])
    expect(() => loadSettings(IngestSettingsSchema, { boroughs: 'Camden,Atlantis' }, {})).toThrow(
      /--boroughs .*E09000007 Camden/,
    )
  })

  it('an enum error lists the allowed values', () => {
    const file = join(import.meta.dirname, '../../schemas/examples/invalid/unknown-licence__licence__enum.json')
    const result = validateRegisterEntry(JSON.parse(readFileSync(file, 'utf8')))
    const licence = result.ok ? undefined : result.errors.find((e) => e.path === '/licence')
    expect(licence?.message).toBe(
      'must be equal to one of the allowed values: OGL-UK-3.0, CC-BY-4.0, CC0-1.0, ODbL-1.0',
    )
  })
})
