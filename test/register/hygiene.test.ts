/**
 * Flow test of the API's hygiene against a real influxd: unknown query parameters are a 400 on
 * every route, values are published at their field's resolution, coordinates carry no float
 * noise, and /v1/latest separates sensors that reported recently from those that did not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RegisterEntry } from '../../schemas/types.gen.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { CAMDEN_AIR, HACKNEY_TRAFFIC, type RegisterApp, startRegisterApp } from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
type Json = any

const DB = 'streetsense'
const NOW = Date.UTC(2026, 10, 20, 12)
let influx: InfluxServer
let reg: RegisterApp

const entry = (id: string, extra: Partial<RegisterEntry> = {}): RegisterEntry => ({ ...CAMDEN_AIR, id, ...extra })
const NOISY = entry('camden-h-noisy', {
  location: { type: 'Point', coordinates: [-0.12750000000000003, 51.50000000000001] },
})
const SC_NODE = entry('sc-1234567', { measures: ['pm10', 'pm2_5', 'temperature', 'relative_humidity', 'co2'] })
const SILENT = entry('camden-h-silent')
const RETIRED = entry('camden-h-retired', { status: 'retired' })
const PLANNED = entry('camden-h-planned', { status: 'planned' })
const CLOSED = entry('camden-h-closed', { sharing: 'restricted' })

const air = (sensor: string, t: number, fields: string, interval = 145) =>
  `air,borough=E09000007,grade=indicative,sensor=${sensor} ${fields},seq=1i,interval=${interval}i,suspect=false ${t}`

beforeAll(async () => {
  influx = await startInfluxd()
  await influx.createDatabase(DB)
  const t = NOW - 10 * 60_000
  await influx.write(
    DB,
    [
      // An airrohr in the Sensor.Community format: each sensor's values as its own point, seconds apart.
      air(SC_NODE.id, t - 145_000, 'pm10=20.1,pm2_5=9.8'),
      air(SC_NODE.id, t, 'pm10=21.26,pm2_5=9.87654'),
      air(SC_NODE.id, t + 3000, 'temperature=12.345,relative_humidity=61.04'),
      air(SC_NODE.id, t + 6000, 'co2=412.6'),
      air(RETIRED.id, t, 'pm2_5=5'),
      air(SILENT.id, NOW - 3 * 86_400_000, 'pm2_5=5'),
      air(CLOSED.id, t, 'pm2_5=5'),
    ].join('\n'),
    'ms',
  )
  reg = await startRegisterApp(influx, DB, { seedRegister: false, now: () => NOW })
  for (const e of [NOISY, SC_NODE, SILENT, RETIRED, PLANNED, CLOSED, HACKNEY_TRAFFIC]) reg.registry.addSensor(e, 'test')
})

afterAll(async () => {
  await reg?.close()
  await influx?.stop()
})

const get = async (path: string) => {
  const res = await fetch(`${reg.url}${path}`)
  return { res, json: (await res.json()) as Json }
}

describe('unknown query parameters', () => {
  it('are a 400 naming them on every route of the OpenAPI document', async () => {
    const doc = reg.app.swagger() as Json
    const paths = Object.entries(doc.paths as Record<string, Json>).filter(([, ops]) => ops.get)
    expect(paths.length).toBeGreaterThan(10)
    for (const [path] of paths) {
      const url = path.replace('{id}', SC_NODE.id).replace('{*}', 'Things')
      const { res, json } = await get(`${url}?bogus_param=1`)
      expect(res.status, url).toBe(400)
      expect(json.field, url).toBe('bogus_param')
      expect(json.code, url).toBe('IOT_REGISTER_BAD_PARAM')
    }
  })

  it('say which parameters the route takes: /v1/latest?format=csv is not JSON in disguise', async () => {
    const { res, json } = await get('/v1/latest?format=csv&also=1')
    expect(res.status).toBe(400)
    expect(json.field).toBe('format')
    expect(json.message).toMatch(/unknown query parameters \(format, also\); this route takes borough, kind, within/)
  })

  it('leave SensorThings OData options alone', async () => {
    const { res, json } = await get("/v1/sta/Things?$filter=name eq 'nothing'&$top=1")
    expect(res.status).toBe(200)
    expect(json.value).toEqual([])
  })
})

describe('resolution and coordinates', () => {
  it('publishes values at their resolution and coordinates to 6 decimals', async () => {
    const raw = await get(`/v1/sensors/${SC_NODE.id}/readings?every=raw&from=2026-11-20&to=2026-11-21`)
    const values = Object.assign({}, ...raw.json.readings.map((r: Json) => r.values))
    expect(values).toEqual({ pm10: 21.3, pm2_5: 9.9, temperature: 12.3, relative_humidity: 61, co2: 413 })
    const hourly = await get(`/v1/sensors/${SC_NODE.id}/readings?every=1h&from=2026-11-20&to=2026-11-21`)
    expect(hourly.json.readings.at(-1).values.pm10).toBe(Math.round(((20.1 + 21.26) / 2) * 10) / 10)
    const one = await get(`/v1/sensors/${NOISY.id}`)
    expect(one.json.location.coordinates).toEqual([-0.1275, 51.5])
    const sta = await get(`/v1/sta/Locations('${NOISY.id}')`)
    expect(sta.json.location.coordinates).toEqual([-0.1275, 51.5])
    const csv = await (await fetch(`${reg.url}/v1/sensors?format=csv`)).text()
    expect(csv).toContain(',-0.1275,51.5,')
  })
})

describe('GET /v1/latest', () => {
  it('lists the sensors that reported, with every field of their newest interval', async () => {
    const { json } = await get('/v1/latest?borough=E09000007')
    expect(json.within).toBe('24h')
    expect(json.sensors.map((s: Json) => s.id)).toEqual([SC_NODE.id])
    expect(json.count).toBe(1)
    const node = json.sensors[0]
    expect(Object.assign({}, ...node.readings.map((r: Json) => r.values))).toEqual({
      pm10: 21.3,
      pm2_5: 9.9,
      temperature: 12.3,
      relative_humidity: 61,
      co2: 413,
    })
    expect(node.readings).toHaveLength(3)
  })

  it('lists open sensors in service without recent readings apart; retired and planned in neither', async () => {
    const { json } = await get('/v1/latest?borough=E09000007')
    const apart = json.without_recent_readings
    expect(apart.sensors.map((s: Json) => s.id).sort()).toEqual([NOISY.id, SILENT.id].sort())
    expect(apart.count).toBe(2)
    const listed = JSON.stringify(json)
    for (const id of [RETIRED.id, PLANNED.id, CLOSED.id]) expect(listed).not.toContain(id)
    const week = await get('/v1/latest?borough=E09000007&within=7d')
    expect(week.json.sensors.map((s: Json) => s.id).sort()).toEqual([SC_NODE.id, SILENT.id].sort())
  })
})
