/**
 * Flow test: GET /v1/readings (bulk history) against a real influxd. Every reading written for
 * the open sensors matching comes back exactly once across pages, whatever the page size, in
 * (sensor, time, lane, direction) order, in JSON, NDJSON and CSV alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import {
  BULK_ENTRIES,
  bulkOrder,
  bulkReadings,
  CAMDEN,
  keyOf,
  STEP_MS,
  STEPS,
  T0,
  type Written,
  writeBulk,
} from './bulk-fixtures.js'
import { type RegisterApp, startRegisterApp } from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
type Json = any

const DB = 'streetsense'
let influx: InfluxServer
let reg: RegisterApp
const written = bulkReadings()
const FROM = new Date(T0).toISOString()
const TO = new Date(T0 + STEPS * STEP_MS).toISOString()
const RANGE = `from=${FROM}&to=${TO}`

const openIn = (borough: string) =>
  new Set(BULK_ENTRIES.filter((e) => e.borough === borough && e.sharing === 'open').map((e) => e.id))

/** Every page of a query, following `next`. */
async function allPages(query: string): Promise<{ pages: Json[]; readings: Json[] }> {
  const pages: Json[] = []
  let url: string | null = `${reg.url}/v1/readings?${query}`
  while (url) {
    const res: Response = await fetch(url)
    expect(res.status, url).toBe(200)
    const page = await res.json()
    pages.push(page)
    url = page.next
    expect(pages.length).toBeLessThan(1000)
  }
  return { pages, readings: pages.flatMap((p) => p.readings) }
}

beforeAll(async () => {
  influx = await startInfluxd()
  await influx.createDatabase(DB)
  await writeBulk(influx, DB, written)
  reg = await startRegisterApp(influx, DB, { seedRegister: false, now: () => T0 + STEPS * STEP_MS })
  for (const e of BULK_ENTRIES) reg.registry.addSensor(e, 'test')
})

afterAll(async () => {
  await reg?.close()
  await influx?.stop()
})

describe('GET /v1/readings paging', () => {
  const expected = written.filter((r) => openIn(CAMDEN).has(r.sensor)).sort(bulkOrder)

  it.each([1, 5, 7, 13, 50, 1000])(
    'serves every reading of the open sensors exactly once at limit=%i',
    async (limit) => {
      const { pages, readings } = await allPages(`borough=${CAMDEN}&${RANGE}&limit=${limit}`)
      expect(readings.map(keyOf)).toEqual(expected.map(keyOf))
      for (const page of pages) {
        // Only the six lanes of one counter at one time may go over a page of 1..5.
        expect(page.readings.length).toBeLessThanOrEqual(Math.max(limit, 6))
        expect(page.count).toBe(page.readings.length)
      }
      const got = new Map(readings.map((r: Json) => [keyOf(r), r]))
      for (const w of expected) expect(got.get(keyOf(w))?.values, keyOf(w)).toEqual(w.values)
    },
  )

  it('leaves out sensors that are not open data and other boroughs', async () => {
    const { readings } = await allPages(`${RANGE}&limit=10000`)
    const sensors = new Set(readings.map((r: Json) => r.sensor))
    expect(sensors.has('camden-b-air-5')).toBe(false)
    expect(sensors.has('hackney-b-air-1')).toBe(true)
    const camden = await allPages(`borough=${CAMDEN}&${RANGE}&sensor=camden-b-air-5,camden-b-air-1`)
    expect(new Set(camden.readings.map((r: Json) => r.sensor))).toEqual(new Set(['camden-b-air-1']))
  })

  it('filters by kind and bbox, and names the licence of sensors under another one', async () => {
    const traffic = await allPages(`kind=traffic&${RANGE}&limit=20`)
    expect(new Set(traffic.readings.map((r: Json) => r.sensor))).toEqual(new Set(['camden-b-tr-1']))
    expect(traffic.readings[0]).toMatchObject({ lane: '1', direction: 'backward', status: 'raw', interval: 300 })
    const box = await allPages(`bbox=-0.1415,51.5,-0.1395,51.6&${RANGE}`)
    expect(new Set(box.readings.map((r: Json) => r.sensor))).toEqual(new Set(['camden-b-air-1', 'camden-b-air-2']))
    expect(box.pages[0].other_licences).toEqual({ 'camden-b-air-2': 'CC-BY-4.0' })
    expect(box.pages[0].licence.id).toBe('OGL-UK-3.0')
  })

  it('does not repeat or lose readings when readings arrive between pages', async () => {
    const first = await fetch(`${reg.url}/v1/readings?borough=${CAMDEN}&${RANGE}&limit=30`).then((r) => r.json())
    const late: Written = { ...written[0]!, sensor: 'camden-b-air-1', time: T0 + 60_000, seq: 99 }
    await writeBulk(influx, DB, [late])
    const rest = await allPages(new URL(first.next).search.slice(1))
    const keys = [...first.readings, ...rest.readings].map(keyOf)
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys).toEqual(expect.arrayContaining(expected.map(keyOf)))
    await influx.query(`DELETE FROM "air" WHERE "sensor" = 'camden-b-air-1' AND time = ${late.time}ms`, DB)
  })
})

describe('GET /v1/readings formats', () => {
  const query = `borough=${CAMDEN}&${RANGE}&limit=40`

  it('gives the same readings as NDJSON and CSV, with the cursor in the headers', async () => {
    const json = await allPages(query)
    const nd = await fetch(`${reg.url}/v1/readings?${query}&format=ndjson`)
    expect(nd.headers.get('content-type')).toMatch(/application\/x-ndjson/)
    const cursor = nd.headers.get('x-next-cursor')
    expect(nd.headers.get('link')).toContain(`cursor=${cursor}`)
    const lines = (await nd.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toEqual(json.pages[0].readings)
    const csv = await fetch(`${reg.url}/v1/readings?${query}`, { headers: { accept: 'text/csv' } })
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/)
    expect(csv.headers.get('x-next-cursor')).toBe(cursor)
    const [header, ...rows] = (await csv.text())
      .trim()
      .split('\r\n')
      .map((l) => l.split(','))
    expect(header!.slice(0, 14)).toEqual(
      'time,sensor,borough,kind,lane,direction,interval,seq,status,version,qc,suspect,flags,failed'.split(','),
    )
    const pm = header!.indexOf('pm2_5')
    expect(rows.map((r) => Number(r[pm]))).toEqual(json.pages[0].readings.map((r: Json) => r.values.pm2_5))
  })

  it('streams a page as it reads it (chunked, no Content-Length)', async () => {
    const res = await fetch(`${reg.url}/v1/readings?${RANGE}&limit=50000&format=ndjson`)
    expect(res.headers.get('transfer-encoding')).toBe('chunked')
    expect(res.headers.get('content-length')).toBeNull()
    expect((await res.text()).trim().split('\n')).toHaveLength(
      written.filter((r) => r.sensor !== 'camden-b-air-5').length,
    )
  })
})

describe('GET /v1/readings aggregates', () => {
  it('gives hourly means per sensor, counts summed over lanes, paged by period', async () => {
    const { readings } = await allPages(`borough=${CAMDEN}&${RANGE}&every=1h&limit=3`)
    const air1 = written.filter((r) => r.sensor === 'camden-b-air-1' && r.time < T0 + 3_600_000)
    const mean = air1.reduce((a, r) => a + r.values.no2!, 0) / air1.length
    const row = readings.find((r: Json) => r.sensor === 'camden-b-air-1' && r.time === FROM)
    expect(row.values.no2).toBe(Math.round(mean * 10) / 10)
    expect(row).toMatchObject({ status: 'raw', count: { no2: air1.length }, excluded: { no2: 0 } })
    const traffic = readings.find((r: Json) => r.sensor === 'camden-b-tr-1' && r.time === FROM)
    const cars = written.filter((r) => r.sensor === 'camden-b-tr-1' && r.time < T0 + 3_600_000)
    expect(traffic.values.car).toBe(cars.reduce((a, r) => a + r.values.car!, 0))
    expect(readings.map((r: Json) => `${r.sensor}@${r.time}`)).toEqual(
      [...openIn(CAMDEN)]
        .sort()
        .flatMap((s) => [0, 1].map((h) => `${s}@${new Date(T0 + h * 3_600_000).toISOString()}`)),
    )
  })
})

describe('GET /v1/readings data status', () => {
  it('says which readings automated QC checked and which values it left out, and filters by status', async () => {
    const day = T0 + 86_400_000
    const line = (t: number, fields: string) =>
      `air,borough=${CAMDEN},grade=indicative,sensor=camden-b-air-3 ${fields},interval=300i ${t}`
    await influx.write(
      DB,
      [
        line(day, 'pm2_5=9,seq=1i,suspect=false,qc=1i'),
        line(day + STEP_MS, 'pm2_5=900,no2=20,seq=2i,suspect=true,qc=1i,qc_fail="pm2_5"'),
        line(day + 2 * STEP_MS, 'pm2_5=9,seq=3i,suspect=false'),
      ].join('\n'),
      'ms',
    )
    const range = `from=${new Date(day).toISOString()}&to=${new Date(day + 3_600_000).toISOString()}&sensor=camden-b-air-3`
    const all = await allPages(range)
    expect(all.readings.map((r: Json) => [r.seq, r.status, r.failed])).toEqual([
      [1, 'provisional', undefined],
      [2, 'provisional', ['pm2_5']],
      [3, 'raw', undefined],
    ])
    expect((await allPages(`${range}&status=provisional`)).readings.map((r: Json) => r.seq)).toEqual([1, 2])
    const hour = (await allPages(`${range}&every=1h`)).readings[0]
    expect(hour).toMatchObject({ values: { pm2_5: 9 }, count: { pm2_5: 2 }, excluded: { pm2_5: 1 } })
  })
})

describe('GET /v1/readings cursors outside the range', () => {
  const cursor = (t: number) => Buffer.from(JSON.stringify({ v: 1, s: 'camden-b-air-1', t })).toString('base64url')

  it('start a sensor at the range, never reading outside it', async () => {
    for (const [t, every] of [-9e15, 9e15].flatMap((t) => [[t, 'raw'] as const, [t, '1h'] as const])) {
      const query = `borough=${CAMDEN}&${RANGE}&every=${every}&limit=50000&cursor=${cursor(t)}`
      const res = await fetch(`${reg.url}/v1/readings?${query}`)
      const body = await res.json()
      expect(res.status, body.message).toBe(200)
      const sensors = new Set(body.readings.map((r: Json) => r.sensor))
      // Before the range: the sensor from the start; past it: the sensor is done, the next ones follow.
      expect(sensors.has('camden-b-air-1')).toBe(t < 0)
      expect(sensors.has('camden-b-air-2')).toBe(true)
    }
  })
})

describe('GET /v1/readings refusals', () => {
  it.each([
    ['bogus=1', 'bogus'],
    ['every=2h', 'every'],
    ['limit=0', 'limit'],
    ['limit=50001', 'limit'],
    ['cursor=abc', 'cursor'],
    ['sensor=a%20b', 'sensor'],
    ['status=raw&every=1h', 'status'],
    ['status=checked', 'status'],
    ['from=2026-01-01&to=2026-03-01', 'to'],
    ['from=yesterday', 'from'],
    ['format=xml', 'format'],
    ['bbox=1,2,3', 'bbox'],
    ['kind=water', 'kind'],
  ])('%s is a 400 naming %s', async (query, field) => {
    const res = await fetch(`${reg.url}/v1/readings?${query}`)
    const body = await res.json()
    expect(res.status, `${res.status} ${body.message}`).toBe(400)
    expect(body).toMatchObject({ code: 'IOT_REGISTER_BAD_PARAM', field })
  })
})
