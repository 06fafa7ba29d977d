/**
 * Every `borough` parameter of the API takes a name as well as a code (Camden, "city of london",
 * "Kensington & Chelsea"), /v1/boroughs lists them, and every parameter with a fixed set of values
 * lists that set when it is refused. The open data API on a real influxd and a real registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BOROUGHS } from '../../schemas/index.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { CAMDEN_AIR, ENTRIES, HACKNEY_TRAFFIC, type RegisterApp, seedInflux, startRegisterApp } from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
type Json = any

let influx: InfluxServer
let reg: RegisterApp

const get = async (path: string) => {
  const res = await fetch(`${reg.url}${path}`)
  return { res, json: (await res.json()) as Json }
}
const ids = (json: Json) => json.sensors.map((s: Json) => s.id).sort()

beforeAll(async () => {
  influx = await startInfluxd()
  await seedInflux(influx, 'streetsense', Math.floor(Date.now() / 60_000) * 60_000)
  reg = await startRegisterApp(influx, 'streetsense')
})

afterAll(async () => {
  await reg?.close()
  await influx?.stop()
})

describe('borough names in the API', () => {
  it('/v1/sensors?borough= takes the code or the name in any case, with the same answer', async () => {
    const camden = ENTRIES.filter((e) => e.borough === 'E09000007').map((e) => e.id)
    expect(camden.length).toBeGreaterThan(0)
    for (const borough of ['E09000007', 'Camden', 'camden', 'CAMDEN', 'London%20Borough%20of%20Camden']) {
      const { res, json } = await get(`/v1/sensors?borough=${borough}`)
      expect(res.status, borough).toBe(200)
      expect(ids(json), borough).toEqual(camden.sort())
    }
    const hackney = await get(`/v1/sensors?borough=hackney&kind=traffic`)
    expect(ids(hackney.json)).toEqual([HACKNEY_TRAFFIC.id])
  })

  it('other routes take names too (latest, exports, the register page)', async () => {
    const latest = await get('/v1/latest?borough=Camden')
    expect(latest.res.status).toBe(200)
    expect(latest.json).toEqual((await get('/v1/latest?borough=E09000007')).json)
    expect(JSON.stringify(latest.json)).toContain(CAMDEN_AIR.id)
    const csv = await fetch(`${reg.url}/v1/export/csv?borough=${encodeURIComponent('Kensington & Chelsea')}`)
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-disposition')).toMatch(/kensington-and-chelsea/)
    const page = await fetch(`${reg.url}/?borough=camden`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain(`data-sensor="${CAMDEN_AIR.id}"`)
    expect(html).not.toContain(`data-sensor="${HACKNEY_TRAFFIC.id}"`)
  })

  it('an unknown borough is a 400 that lists every code and name', async () => {
    const { res, json } = await get('/v1/sensors?borough=Camdn')
    expect(res.status).toBe(400)
    expect(json.code).toBe('IOT_REGISTER_BAD_PARAM')
    expect(json.field).toBe('borough')
    for (const [code, name] of Object.entries(BOROUGHS)) expect(json.message).toContain(`${code} ${name}`)
  })

  it('/v1/boroughs lists the 33 codes and names with their sensor counts', async () => {
    const { json } = await get('/v1/boroughs')
    expect(json.count).toBe(33)
    expect(json.boroughs.map((b: Json) => [b.code, b.name])).toEqual(Object.entries(BOROUGHS))
    const camden = json.boroughs.find((b: Json) => b.code === 'E09000007')
    expect(camden.sensors).toBe(ENTRIES.filter((e) => e.borough === 'E09000007').length)
  })
})

describe('enum errors list the allowed values', () => {
  it('every, kind, status and format say which values they take', async () => {
    const cases: [string, string, string][] = [
      [`/v1/sensors/${CAMDEN_AIR.id}/readings?every=2h`, 'every', 'raw, 15m, 1h, 1d'],
      ['/v1/sensors?kind=water', 'kind', 'air, traffic'],
      ['/v1/sensors?status=broken', 'status', 'planned, active, maintenance, retired'],
      ['/v1/sensors?format=xml', 'format', 'json, geojson, csv'],
    ]
    for (const [path, field, allowed] of cases) {
      const { res, json } = await get(path)
      expect(res.status, path).toBe(400)
      expect(json.field, path).toBe(field)
      expect(json.message, path).toBe(`${field}: must be equal to one of the allowed values: ${allowed}`)
    }
  })
})
