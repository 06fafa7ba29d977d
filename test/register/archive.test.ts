/**
 * Flow test: `streetsense archive build` reads a month from a real influxd into gzipped CSV and
 * Parquet per borough with SHA-256 checksums; the register lists and serves them with caching
 * (ETag, Last-Modified, immutable once the month is closed) and only while every sensor in a
 * file is still open data.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { parquetReadObjects } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { cli } from '../helpers/processes.js'
import { BULK_ENTRIES, bulkOrder, bulkReadings, CAMDEN, keyOf, type Written, writeBulk } from './bulk-fixtures.js'
import { type RegisterApp, startRegisterApp } from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
type Json = any

const DB = 'streetsense'
const OCTOBER_SHIFT = 32 * 86_400_000
let influx: InfluxServer
let reg: RegisterApp
const november = bulkReadings()
const october: Written[] = november.map((r) => ({ ...r, time: r.time - OCTOBER_SHIFT }))
const openCamden = new Set(BULK_ENTRIES.filter((e) => e.borough === CAMDEN && e.sharing === 'open').map((e) => e.id))

const build = (month: string) =>
  cli(['archive', 'build', '--data-dir', reg.dataDir, '--month', month, '--influx-url', influx.url, '--influx-db', DB])

async function listing(query = ''): Promise<Json> {
  return (await fetch(`${reg.url}/v1/archives${query}`)).json()
}

beforeAll(async () => {
  influx = await startInfluxd()
  await influx.createDatabase(DB)
  await writeBulk(influx, DB, [...october, ...november])
  reg = await startRegisterApp(influx, DB, {
    seedRegister: false,
    prepare: async (_registry, dataDir) => ({ archivesDir: join(dataDir, 'archives') }),
  })
  for (const e of BULK_ENTRIES) reg.registry.addSensor(e, 'test')
  await build('2026-10')
  await build('2026-11')
}, 120_000)

afterAll(async () => {
  await reg?.close()
  await influx?.stop()
})

describe('streetsense archive build and /archives', () => {
  it('lists a CSV and a Parquet file per borough and month, closed months apart', async () => {
    const { files } = await listing()
    expect(files.map((f: Json) => `${f.borough} ${f.month} ${f.format}`).sort()).toEqual(
      ['E09000007', 'E09000012'].flatMap((b) =>
        ['2026-10', '2026-11'].flatMap((m) => [`${b} ${m} csv`, `${b} ${m} parquet`]),
      ),
    )
    const camdenOct = files.filter((f: Json) => f.borough === CAMDEN && f.month === '2026-10')
    expect(
      camdenOct.every((f: Json) => f.closed && f.rows === october.filter((r) => openCamden.has(r.sensor)).length),
    ).toBe(true)
    expect((await listing('?month=2026-11&borough=E09000007')).files.every((f: Json) => !f.closed)).toBe(true)
  })

  it('serves files whose SHA-256 is the index, SHA256SUMS and the ETag, and whose rows are the readings', async () => {
    const { files } = await listing('?borough=E09000007&month=2026-10')
    const csv = files.find((f: Json) => f.format === 'csv')
    const res = await fetch(csv.url)
    expect(res.status).toBe(200)
    const bytes = Buffer.from(await res.arrayBuffer())
    const sha = createHash('sha256').update(bytes).digest('hex')
    expect(sha).toBe(csv.sha256)
    expect(res.headers.get('etag')).toBe(`"${sha}"`)
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const sums = await (await fetch(`${reg.url}/archives/SHA256SUMS`)).text()
    expect(sums).toContain(`${sha}  E09000007/2026-10.csv.gz\n`)
    const [header, ...rows] = gunzipSync(bytes).toString().trim().split('\r\n')
    const cols = header!.split(',')
    const expected = october.filter((r) => openCamden.has(r.sensor)).sort(bulkOrder)
    const served = rows.map((line) => Object.fromEntries(line.split(',').map((v, i) => [cols[i], v])))
    expect(
      served.map((r) => keyOf({ ...r, lane: r.lane || undefined, direction: r.direction || undefined } as Json)),
    ).toEqual(expected.map(keyOf))
    expect(served.map((r) => Number(r.pm2_5 || r.car))).toEqual(expected.map((r) => r.values.pm2_5 ?? r.values.car))
  })

  it('writes Parquet with the same readings', async () => {
    const { files } = await listing('?borough=E09000007&month=2026-10')
    const pq = files.find((f: Json) => f.format === 'parquet')
    const res = await fetch(pq.url)
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet')
    const buffer = await res.arrayBuffer()
    expect(createHash('sha256').update(Buffer.from(buffer)).digest('hex')).toBe(pq.sha256)
    const rows = (await parquetReadObjects({ file: buffer })) as Json[]
    const expected = october.filter((r) => openCamden.has(r.sensor)).sort(bulkOrder)
    expect(
      rows.map((r) =>
        keyOf({ ...r, time: r.time.getTime(), lane: r.lane ?? undefined, direction: r.direction ?? undefined }),
      ),
    ).toEqual(expected.map(keyOf))
    expect(rows.map((r) => r.no2 ?? r.car)).toEqual(expected.map((r) => r.values.no2 ?? r.values.car))
    expect(rows[0]).toMatchObject({ borough: CAMDEN, status: 'raw', interval: 300 })
  })

  it('answers 304 to If-None-Match and If-Modified-Since, and caches an open month for an hour', async () => {
    const { files } = await listing('?borough=E09000007&month=2026-11')
    const f = files.find((x: Json) => x.format === 'csv')
    const first = await fetch(f.url)
    await first.arrayBuffer()
    expect(first.headers.get('cache-control')).toBe('public, max-age=3600')
    const etag = first.headers.get('etag')!
    expect((await fetch(f.url, { headers: { 'if-none-match': etag } })).status).toBe(304)
    const modified = first.headers.get('last-modified')!
    expect((await fetch(f.url, { headers: { 'if-modified-since': modified } })).status).toBe(304)
  })

  it('stops serving a file once one of its sensors is no longer open data, until it is rebuilt', async () => {
    const sensor = BULK_ENTRIES.find((e) => e.id === 'camden-b-air-3')!
    reg.registry.updateSensor({ ...sensor, sharing: 'restricted' }, 'test')
    const url = `${reg.url}/archives/E09000007/2026-10.csv.gz`
    expect((await fetch(url)).status).toBe(403)
    expect((await listing('?borough=E09000007&month=2026-10')).count).toBe(0)
    await build('2026-10')
    const res = await fetch(url)
    expect(res.status).toBe(200)
    const text = gunzipSync(Buffer.from(await res.arrayBuffer())).toString()
    expect(text).not.toContain('camden-b-air-3')
    reg.registry.updateSensor(sensor, 'test')
  })

  it('answers 404 for a file it does not have and 400 for a name that cannot be one', async () => {
    expect((await fetch(`${reg.url}/archives/E09000007/2025-01.csv.gz`)).status).toBe(404)
    const bad = await fetch(`${reg.url}/archives/E09000007/..%2Findex.json`)
    expect(bad.status).toBe(400)
  })
})
