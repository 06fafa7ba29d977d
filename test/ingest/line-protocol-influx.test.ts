import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toLine } from '../../ingest/store/line-protocol.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'

const HOSTILE = [
  'plain',
  'comma,here',
  'space here',
  'equals=here',
  'quote"here',
  "single'quote",
  'new\nline',
  'carriage\rreturn',
  'back\\slash',
  'trailing\\',
  '\\"',
  'fake 123\nair,sensor=x pm2_5=1 1',
  '#comment',
  'é unicode ✓',
  'key\\,',
]

describe('hostile strings through real influxd', () => {
  let influx: InfluxServer
  beforeAll(async () => {
    influx = await startInfluxd()
    await influx.createDatabase('lp')
  })
  afterAll(async () => {
    await influx?.stop()
  })

  it('stores each hostile string as data in one point, tags and string fields read back', async () => {
    const lines = HOSTILE.map((s, i) => toLine('hostile', { k: `t${i}`, v: s }, { idx: { int: i }, text: s }, 1000 + i))
    // A hostile field key before a string holding a newline must not split the point either.
    lines.push(toLine('hostile2', { k: 'x' }, { 'f\\,': 1, text: 'a\nhostile2 injected=1 5' }, 2000))
    await influx.write('lp', lines.join('\n'), 'ms')
    const rows = await influx.rows('SELECT * FROM hostile ORDER BY time', 'lp')
    expect(rows).toHaveLength(HOSTILE.length)
    for (const [i, s] of HOSTILE.entries()) {
      const row = rows[i]!
      expect(row.idx).toBe(i)
      // String fields come back byte for byte, newlines and backslashes included.
      expect(row.text).toBe(s)
      // Tags: newlines become spaces (line protocol cannot hold them) and backslashes are removed
      // (influxd 1.x reads them inconsistently); the rest comes back exactly.
      expect(row.v).toBe(s.replace(/[\r\n]/g, ' ').replace(/\\/g, ''))
    }
    expect(await influx.rows('SELECT text FROM hostile2', 'lp')).toEqual([
      { time: 2000, text: 'a\nhostile2 injected=1 5' },
    ])
    // Nothing injected a point of its own.
    expect(await influx.rows('SELECT * FROM air', 'lp')).toEqual([])
  })
})
