/**
 * Line protocol as influxd reads it: hostile strings, and the data model of a traffic reading and
 * a device status, checked by what a real influxd stores (not by a line-protocol reader of our own).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readingToLine, statusToLine, toLine } from '../../ingest/store/line-protocol.js'
import { sensorOfLine } from '../../ingest/store/line-split.js'
import type { DeviceStatus, Reading } from '../../schemas/types.gen.js'
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

  it('stores traffic with lane, direction and total_vehicles excluding pedestrians', async () => {
    const traffic: Reading = {
      sensor: 't1',
      borough: 'E09000001',
      kind: 'traffic',
      time: '2026-11-27T10:00:00Z',
      interval: 300,
      seq: 1,
      values: { counts: { car: 10, hgv: 2, pedestrian: 30 }, mean_speed: 31.5 },
    }
    await influx.write('lp', readingToLine(traffic), 'ms')
    expect(await influx.rows('SELECT * FROM traffic', 'lp')).toEqual([
      {
        time: Date.parse(traffic.time),
        borough: 'E09000001',
        direction: 'none',
        lane: '0',
        sensor: 't1',
        car: 10,
        hgv: 2,
        pedestrian: 30,
        total_vehicles: 12,
        mean_speed: 31.5,
        seq: 1,
        interval: 300,
        suspect: false,
        qc: 1,
        qc_fail: '',
      },
    ])
    const tags = (await influx.rows('SHOW TAG KEYS FROM traffic', 'lp')).map((r) => r.tagKey)
    expect(tags).toEqual(['borough', 'direction', 'lane', 'sensor'])
  })

  it('stores a status with its free-text version intact, and sensorOfLine finds the stored sensor', async () => {
    const status: DeviceStatus = {
      sensor: 's.1 x,y=z',
      borough: 'E09000002',
      time: '2026-11-27T10:00:00Z',
      agent_version: '1.0 "beta"\nbuild\\2',
      uptime: 5,
      outbox_depth: 0,
      evicted: 0,
      clock_synced: true,
    }
    const line = statusToLine(status)
    await influx.write('lp', line, 'ms')
    const rows = await influx.rows('SELECT sensor, agent_version, uptime FROM device_status', 'lp')
    expect(rows).toEqual([
      { time: Date.parse(status.time), sensor: 's.1 x,y=z', agent_version: status.agent_version, uptime: 5 },
    ])
    expect(sensorOfLine(line)).toBe(rows[0]!.sensor)
  })
})
