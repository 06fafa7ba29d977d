import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openQuarantine, type Quarantine } from '../../ingest/quarantine/quarantine.js'
import { openSpool, type Spool } from '../../ingest/spool/spool.js'
import { createDatabase, writeUrl } from '../../ingest/store/influx-http.js'
import { startInfluxWriter } from '../../ingest/store/influx-writer.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'

const logger = pino({ level: 'silent' })

describe('InfluxDB writer against real influxd', () => {
  let influx: InfluxServer
  let dir: string
  let spool: Spool
  let quarantine: Quarantine
  beforeAll(async () => {
    influx = await startInfluxd()
    dir = mkdtempSync(join(tmpdir(), 'ingest-writer-'))
    spool = openSpool(dir, { maxLines: 1_000_000 })
    quarantine = openQuarantine(dir, { maxRows: 1000, maxAgeDays: 30 })
  })
  afterAll(async () => {
    spool?.close()
    quarantine?.close()
    await influx?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const target = (db: string) => ({
    influxUrl: influx.url,
    influxDb: db,
    batchSize: 500,
    flushIntervalMs: 20,
    writeConcurrency: 2,
  })

  it('builds v1 and v2 write URLs from the settings', () => {
    expect(writeUrl({ influxUrl: 'http://h:1', influxDb: 'd', influxRp: 'r' }).url).toBe(
      'http://h:1/write?db=d&precision=ms&rp=r',
    )
    const v2 = writeUrl({ influxUrl: 'http://h:1', influxDb: 'd', influxOrg: 'o', influxBucket: 'b', influxToken: 't' })
    expect(v2.url).toBe('http://h:1/api/v2/write?org=o&bucket=b&precision=ms')
    expect(v2.headers.authorization).toBe('Token t')
  })

  it('drains the spool in batches and deletes only what InfluxDB accepted, across an influxd outage', async () => {
    await createDatabase(target('w1'))
    const writer = startInfluxWriter(target('w1'), { spool, quarantine, logger })
    for (let i = 0; i < 2000; i++) await spool.append({ lines: `m,s=a v=${i} ${1_000_000 + i}`, count: 1, source: 't' })
    await waitFor(() => spool.depth() === 0, 30_000, 'spool drained')
    await influx.kill()
    const appends = []
    for (let i = 2000; i < 5000; i++)
      appends.push(spool.append({ lines: `m,s=a v=${i} ${1_000_000 + i}`, count: 1, source: 't' }))
    await Promise.all(appends)
    // While influxd is down nothing leaves the spool: once a write has failed, all 3,000 are there.
    await waitFor(() => !writer.health().reachable, 10_000, 'a failed write')
    expect(spool.depth()).toBe(3000)
    await influx.restart()
    await waitFor(() => spool.depth() === 0, 60_000, 'spool drained after restart')
    const rows = await influx.rows('SELECT count(v) FROM m', 'w1')
    expect(rows[0]?.count).toBe(5000)
    await writer.stop()
  })

  it('quarantines points InfluxDB refuses (parse error, field type conflict) and writes the rest', async () => {
    await createDatabase(target('w2'))
    await influx.write('w2', 'air,sensor=x pm2_5=1i 1000', 'ms')
    const writer = startInfluxWriter(target('w2'), { spool, quarantine, logger })
    const before = quarantine.count()
    await spool.append({
      lines: ['air,sensor=a pm10=1 2000', 'air,sensor=bad pm2_5=2.5 2001', 'air,sensor=b pm10=3 2002'].join('\n'),
      count: 3,
      source: 'streetsense/v1/E09000001/bad/air',
    })
    await spool.append({ lines: 'air,sensor=c pm10=4 2003\nbroken line with no fields', count: 2, source: 's2' })
    await waitFor(() => spool.depth() === 0, 30_000, 'spool drained')
    const rows = await influx.rows('SELECT sensor, pm10 FROM air WHERE pm10 > 0 ORDER BY time', 'w2')
    expect(rows.map((r) => r.sensor)).toEqual(['a', 'b', 'c'])
    const q = quarantine.list({ limit: 10 }).slice(0, quarantine.count() - before)
    expect(q).toHaveLength(2)
    const conflict = q.find((r) => r.sensor === 'bad')
    expect(conflict?.reason).toMatch(/field type conflict/)
    expect(conflict?.topic).toBe('streetsense/v1/E09000001/bad/air')
    expect(conflict?.raw).toBe('air,sensor=bad pm2_5=2.5 2001')
    expect(q.find((r) => r.raw === 'broken line with no fields')?.reason).toMatch(/unable to parse/)
    await writer.stop()
  })
})
