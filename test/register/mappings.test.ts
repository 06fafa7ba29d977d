/** Unit test: the one mapping table covers every field of the shared schema and the data model, consistently. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { mappingTableMarkdown } from '../../register/mapping-table.js'
import { FIELD_MAPPINGS, fieldMapping, fieldsOf, LICENCES } from '../../register/mappings.js'

const readingSchema = JSON.parse(readFileSync(new URL('../../schemas/reading.v1.json', import.meta.url), 'utf8'))
const registerSchema = JSON.parse(
  readFileSync(new URL('../../schemas/register-entry.v1.json', import.meta.url), 'utf8'),
)

describe('field mappings', () => {
  it('maps every air value and traffic count/measure of the reading schema', () => {
    const air = Object.keys(readingSchema.$defs.airValues.properties)
    const counts = Object.keys(readingSchema.$defs.trafficCounts.properties)
    const measures = Object.keys(readingSchema.$defs.trafficValues.properties).filter(
      (k) => !['counts', 'lane', 'direction'].includes(k),
    )
    expect(
      fieldsOf('air')
        .map((m) => m.field)
        .sort(),
    ).toEqual([...air].sort())
    for (const f of [...counts, ...measures]) expect(fieldMapping(f)?.kind, f).toBe('traffic')
  })

  it('maps everything a register entry may say it measures', () => {
    for (const f of registerSchema.properties.measures.items.enum) expect(fieldMapping(f), f).toBeDefined()
  })

  it('sums counts and averages everything else', () => {
    for (const m of FIELD_MAPPINGS) {
      expect(m.aggregate, m.field).toBe(m.observationType === 'OM_CountObservation' ? 'sum' : 'mean')
    }
  })

  it('uses FIWARE attribute names and scales (RH as a fraction)', () => {
    expect(fieldMapping('pm2_5')?.fiware).toBe('pm25')
    expect(fieldMapping('relative_humidity')?.fiwareScale).toBe(0.01)
    expect(fieldMapping('mean_speed')?.fiware).toBe('averageVehicleSpeed')
    expect(fieldMapping('pedal_cycle')?.vehicleType).toBe('bicycle')
  })

  it('knows every licence the register schema allows', () => {
    for (const id of registerSchema.properties.licence.enum) expect(LICENCES[id], id).toBeDefined()
  })
})

describe('docs/register.md', () => {
  it('holds the generated mapping table between its markers', () => {
    const doc = readFileSync(new URL('../../docs/register.md', import.meta.url), 'utf8')
    const start = doc.indexOf('<!-- mapping-table:start -->\n')
    const end = doc.indexOf('\n<!-- mapping-table:end -->')
    expect(start).toBeGreaterThan(-1)
    expect(doc.slice(start + '<!-- mapping-table:start -->\n'.length, end)).toBe(mappingTableMarkdown())
  })
})
