/**
 * Retention and erasure against a real influxd and the real ingest (in this process, HTTP intake,
 * registry on disk), checked in InfluxDB itself:
 * - retention: each sensor's readings (and heartbeats) older than its register `retention` go,
 *   newer ones stay, `indefinite` keeps everything; every deletion is audited with its count;
 * - erasure: with InfluxDB down, readings of the erased range wait in the spool; the request is
 *   carried out once InfluxDB is back: the range is gone from InfluxDB, the spool, the quarantine
 *   and the archives on disk, what is outside it stays, and a late replay of an erased reading
 *   is never written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ingestConfig } from '../../ingest/config.js'
import { type RunningIngest, startIngest } from '../../ingest/index.js'
import { buildEntry, type ErasureRecord, openRegistry, type Registry } from '../../registry/index.js'
import type { RegisterEntry } from '../../schemas/index.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { tempDir } from '../helpers/processes.js'

const CAMDEN = 'E09000007'
const DAY = 86_400_000
const NOW = Date.now()
const DB = 'streetsense'

const sensor = (id: string, retention: string): RegisterEntry =>
  ({ ...buildEntry({ id, borough: CAMDEN, kind: 'air' }), retention }) as RegisterEntry

const airLine = (id: string, time: number, seq: number) =>
  `air,borough=${CAMDEN},grade=indicative,sensor=${id} pm2_5=${seq},seq=${seq}i,interval=60i,suspect=false ${time}`

const reading = (id: string, time: number, seq: number) => ({
  sensor: id,
  borough: CAMDEN,
  kind: 'air',
  time: new Date(time).toISOString(),
  interval: 60,
  seq,
  values: { pm2_5: 5 },
})

describe('retention and erasure (real influxd, real ingest)', () => {
  const data = tempDir('ss-governance-flow-')
  const archives = join(data.dir, 'archives')
  let influx: InfluxServer
  let registry: Registry
  let ingest: RunningIngest
  let erasePassword = ''
  const points = async (id: string) =>
    (await influx.rows(`SELECT pm2_5, seq FROM air WHERE sensor = '${id}' ORDER BY time`, DB)).map((r) => Number(r.seq))

  beforeAll(async () => {
    influx = await startInfluxd()
    await influx.createDatabase(DB)
    registry = openRegistry(data.dir)
    registry.addSensor(sensor('cam-short', 'P7D'))
    registry.addSensor(sensor('cam-long', 'P5Y'))
    registry.addSensor(sensor('cam-forever', 'indefinite'))
    erasePassword = registry.addSensor(sensor('cam-erase', 'P5Y')).password
    await influx.write(
      DB,
      [
        airLine('cam-short', NOW - 30 * DAY, 1),
        airLine('cam-short', NOW - 10 * DAY, 2),
        airLine('cam-short', NOW - DAY, 3),
        `device_status,borough=${CAMDEN},sensor=cam-short uptime=5i ${NOW - 10 * DAY}`,
        `device_status,borough=${CAMDEN},sensor=cam-short uptime=6i ${NOW - DAY}`,
        airLine('cam-long', NOW - 30 * DAY, 1),
        airLine('cam-forever', NOW - 400 * DAY, 1),
        airLine('cam-erase', NOW - 3 * DAY, 1),
        airLine('cam-erase', NOW - DAY, 2),
        airLine('cam-erase', NOW - DAY / 4, 3),
      ].join('\n'),
      'ms',
    )
    const config = ingestConfig({
      dataDir: data.dir,
      httpHost: '127.0.0.1',
      httpPort: 0,
      opsPort: 0,
      influxUrl: influx.url,
      governancePollMs: 100,
      // One row per write: with InfluxDB down, two rows are in flight and the rest wait in the spool.
      batchSize: 1,
      flushIntervalMs: 10,
    })
    ingest = await startIngest(config, { registry, mqtt: false, logger: pino({ level: 'silent' }) })
  })
  afterAll(async () => {
    await ingest?.close()
    registry?.close()
    await influx?.stop()
    data.remove()
  })

  it('deletes what is older than each sensor retention, keeps the rest, and audits it', async () => {
    await waitFor(() => registry.listAudit({ sensor: 'cam-short' }).some((e) => e.action === 'data.retention'))
    expect(await points('cam-short')).toEqual([3])
    const statuses = await influx.rows(`SELECT uptime FROM device_status WHERE sensor = 'cam-short'`, DB)
    expect(statuses.map((r) => r.uptime)).toEqual([6])
    expect(await points('cam-long')).toEqual([1])
    expect(await points('cam-forever')).toEqual([1])
    const [event] = registry.listAudit({ sensor: 'cam-short' }).filter((e) => e.action === 'data.retention')
    expect(event).toMatchObject({ actor: 'ingest' })
    expect(event?.detail).toMatch(/^3 points before \S+ \(retention P7D\)$/)
    const metrics = await (await fetch(`http://127.0.0.1:${ingest.opsPort}/metrics`)).text()
    expect(metrics).toMatch(/streetsense_retention_deleted_points_total 3/)
  })

  it('erases a range from InfluxDB, the spool, the quarantine and the archives, and keeps it erased', async () => {
    const from = NOW - 2 * DAY
    const to = NOW - DAY / 2
    mkdirSync(join(archives, 'E09000007'), { recursive: true })
    const csv = join(archives, 'E09000007', 'readings.csv')
    writeFileSync(
      csv,
      `time,sensor,pm2_5\n${new Date(NOW - DAY).toISOString()},cam-erase,4\n${new Date(NOW - DAY).toISOString()},cam-long,4\n${new Date(NOW - 3 * DAY).toISOString()},cam-erase,7\n`,
    )
    const ndjson = join(archives, 'E09000007', 'cam-erase.ndjson.gz')
    writeFileSync(
      ndjson,
      gzipSync(`${JSON.stringify({ sensor: 'cam-erase', time: new Date(NOW - DAY).toISOString() })}\n`),
    )
    const post = (body: unknown) =>
      fetch(`http://127.0.0.1:${ingest.port}/v1/readings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${erasePassword}`,
          'x-sensor': 'cam-erase',
        },
        body: JSON.stringify(body),
      })
    // Rejected: quarantined with its reading time inside the range.
    expect((await post({ ...reading('cam-erase', NOW - DAY, 90), interval: -1 })).status).toBe(400)
    expect(ingest.quarantine.list({ sensor: 'cam-erase' })).toHaveLength(1)

    await influx.kill()
    for (let seq = 100; seq < 106; seq++)
      expect((await post(reading('cam-erase', NOW - DAY + seq * 1000, seq))).status).toBe(202)
    await waitFor(() => ingest.spool.depth() === 6, 10_000, 'six readings in the spool')
    const requested = registry.requestErasure(
      { sensor: 'cam-erase', from, to, reason: 'resident request, ref 41' },
      'camden-dpo',
    )
    await waitFor(() => registry.getErasure(requested.id)?.status === 'running', 10_000, 'the ingest to claim it')
    await influx.restart()
    let done: ErasureRecord | undefined
    await waitFor(
      () => {
        done = registry.getErasure(requested.id)
        return done?.status === 'done'
      },
      60_000,
      'the erasure to finish',
    )
    // The two rows in flight when InfluxDB went down were written, then deleted; four were purged.
    expect(done!.result).toEqual({
      influx_points: 3,
      spool_points: 4,
      quarantine_records: 1,
      archive_rows: 2,
      archive_files: 1,
    })
    expect(await points('cam-erase')).toEqual([1, 3])
    expect(ingest.spool.depth()).toBe(0)
    expect(ingest.quarantine.list({ sensor: 'cam-erase' })).toEqual([])
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(3)
    expect(readFileSync(csv, 'utf8')).not.toContain(`${new Date(NOW - DAY).toISOString()},cam-erase`)
    expect(existsSync(ndjson)).toBe(false) // nothing was left in it
    const audit = registry.listAudit({ sensor: 'cam-erase' }).map((e) => `${e.actor} ${e.action}`)
    expect(audit.slice(0, 2)).toEqual(['ingest data.erase.done', 'camden-dpo data.erase.request'])

    // A replay of an erased reading (an outbox, a resend) is dropped; one after the range is kept.
    expect((await post(reading('cam-erase', NOW - DAY + 500_000, 500))).status).toBe(202)
    expect((await post(reading('cam-erase', NOW - DAY / 8, 501))).status).toBe(202)
    await waitFor(async () => (await points('cam-erase')).includes(501), 20_000, 'the later reading')
    expect(await points('cam-erase')).toEqual([1, 3, 501])
  })
})
