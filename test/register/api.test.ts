/** Flow test: the open data API on its own Fastify instance, reading a real influxd and a real registry. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { daqi } from '../../register/daqi.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import {
  AIR_INTERVAL_MS,
  bodyOf,
  CAMDEN_AIR,
  ENTRIES,
  HACKNEY_TRAFFIC,
  type RegisterApp,
  type Seeded,
  seedInflux,
  startRegisterApp,
  WESTMINSTER_RESTRICTED,
} from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
type Json = any

const DB = 'streetsense'
let influx: InfluxServer
let reg: RegisterApp
let seeded: Seeded
let now: number

const get = async (path: string, init?: RequestInit) => {
  const res = await fetch(`${reg.url}${path}`, init)
  const { text, json } = await bodyOf(res)
  return { res, text, json: json as Json }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

beforeAll(async () => {
  influx = await startInfluxd()
  const now0 = Math.floor(Date.now() / 60_000) * 60_000
  seeded = await seedInflux(influx, DB, now0)
  now = now0 + 30_000
  reg = await startRegisterApp(influx, DB, { now: () => now })
})

afterAll(async () => {
  await reg?.close()
  await influx?.stop()
})

describe('GET /v1/sensors', () => {
  it('lists the register with licence headers and body fields, ETag and 304', async () => {
    const { res, json } = await get('/v1/sensors')
    expect(res.status).toBe(200)
    expect(json.count).toBe(4)
    expect(json.licence.id).toBe('OGL-UK-3.0')
    expect(json.attribution).toMatch(/Open Government Licence/)
    expect(res.headers.get('x-licence')).toBe('OGL-UK-3.0')
    expect(res.headers.get('link')).toMatch(/rel="license"/)
    expect(res.headers.get('cache-control')).toMatch(/max-age/)
    const etag = res.headers.get('etag')!
    expect(etag).toBeTruthy()
    const again = await fetch(`${reg.url}/v1/sensors`, { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
  })

  it('filters by borough, kind, status and bbox', async () => {
    expect((await get('/v1/sensors?borough=E09000007')).json.count).toBe(2)
    expect((await get('/v1/sensors?kind=traffic')).json.sensors.map((s: Json) => s.id)).toEqual([HACKNEY_TRAFFIC.id])
    expect((await get('/v1/sensors?status=retired')).json.sensors.map((s: Json) => s.id)).toEqual(['camden-aq-0099'])
    const box = (await get('/v1/sensors?bbox=-0.07,51.53,-0.04,51.55')).json
    expect(box.sensors.map((s: Json) => s.id)).toEqual([HACKNEY_TRAFFIC.id])
  })

  it('answers 400 naming the parameter', async () => {
    for (const [query, param] of [
      ['bbox=1,2,3', 'bbox'],
      ['bbox=0.1,51,-0.1,52', 'bbox'],
      ['borough=E09000099', 'borough'],
      ['kind=water', 'kind'],
      ['format=xml', 'format'],
    ]) {
      const { res, json } = await get(`/v1/sensors?${query}`)
      expect(res.status, query).toBe(400)
      expect(json.code).toBe('IOT_REGISTER_BAD_PARAM')
      expect(json.field).toBe(param)
    }
  })

  it('serves GeoJSON (format or Accept) and CSV', async () => {
    const viaFormat = await get('/v1/sensors?format=geojson')
    expect(viaFormat.res.headers.get('content-type')).toMatch(/application\/geo\+json/)
    expect(viaFormat.json.type).toBe('FeatureCollection')
    const camden = viaFormat.json.features.find((f: Json) => f.id === CAMDEN_AIR.id)
    expect(camden.geometry).toEqual(CAMDEN_AIR.location)
    const viaAccept = await get('/v1/sensors', { headers: { accept: 'application/geo+json' } })
    expect(viaAccept.json.features).toHaveLength(4)
    const csv = await get('/v1/sensors?format=csv')
    expect(csv.res.headers.get('content-type')).toMatch(/text\/csv/)
    const lines = csv.text.trim().split('\r\n')
    expect(lines[0]).toMatch(/^id,name,borough,borough_name,kind,status,longitude,latitude/)
    expect(lines).toHaveLength(5)
  })

  it('sends CORS headers to any origin', async () => {
    const { res } = await get('/v1/sensors', { headers: { origin: 'https://example.org' } })
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('pages the register: limit and page, the total, and a next link until the last page', async () => {
    const ids: string[] = []
    let url: string | null = `${reg.url}/v1/sensors?limit=3`
    const pages: Json[] = []
    while (url) {
      const res = await fetch(url)
      const json = (await res.json()) as Json
      pages.push(json)
      ids.push(...json.sensors.map((s: Json) => s.id))
      expect(res.headers.get('x-total-count')).toBe('4')
      if (json.next) expect(res.headers.get('link')).toContain(`<${json.next}>; rel="next"`)
      url = json.next
    }
    expect(pages.map((p) => [p.page, p.count, p.total])).toEqual([
      [1, 3, 4],
      [2, 1, 4],
    ])
    expect(ids).toEqual([...ENTRIES.map((e) => e.id)].sort())
    // CSV and GeoJSON pages name the next page in the Link header.
    const csv = await fetch(`${reg.url}/v1/sensors?format=csv&limit=2&page=2`)
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(3)
    expect(csv.headers.get('link')).not.toContain('rel="next"')
    expect((await get('/v1/sensors?limit=1001')).json.field).toBe('limit')
  })

  it('keys its ETag on the register: 304 while nothing changed, a new ETag after any change', async () => {
    const first = await fetch(`${reg.url}/v1/sensors?borough=E09000012`)
    const etag = first.headers.get('etag')!
    expect(first.headers.get('vary')).toMatch(/Accept/)
    const revalidate = () => fetch(`${reg.url}/v1/sensors?borough=E09000012`, { headers: { 'if-none-match': etag } })
    expect((await revalidate()).status).toBe(304)
    // Another representation of the same URL has another ETag.
    const csv = await fetch(`${reg.url}/v1/sensors?borough=E09000012`, { headers: { accept: 'text/csv' } })
    expect(csv.headers.get('etag')).not.toBe(etag)
    // A change anywhere in the register (here, another borough's sensor) moves the counter.
    const stored = reg.registry.getSensor(CAMDEN_AIR.id)!.entry
    reg.registry.updateSensor({ ...stored, name: `${stored.name} ` }, 'test')
    const after = await revalidate()
    expect(after.status).toBe(200)
    expect(after.headers.get('etag')).not.toBe(etag)
    reg.registry.updateSensor(stored, 'test')
  })
})

describe('GET / (the register page)', () => {
  it('pages the list (the map shows them all) with the filter kept, and answers 304 from the register version', async () => {
    const small = await startRegisterApp(influx, DB, { indexPageSize: 3 })
    try {
      const first = await fetch(`${small.url}/?kind=air`)
      const html = await first.text()
      expect(html.match(/<li data-sensor=/g)).toHaveLength(3)
      expect(html).not.toContain('rel="next"') // the three air sensors fit on one page
      const all = await (await fetch(`${small.url}/`)).text()
      expect(all).toContain('Sensors 1 to 3 of 4 (page 1 of 2)')
      expect(all).toContain('href="/?page=2" rel="next"')
      const second = await (await fetch(`${small.url}/?page=2`)).text()
      expect(second.match(/<li data-sensor=/g)).toHaveLength(1)
      // The map shows every sensor the filter matches, whichever page of the list is open.
      expect(second).toContain('<title id="map-title">Map of London\'s 33 boroughs with 4 sensors</title>')
      expect(second).toContain('href="/?page=1" rel="prev"')
      const etag = first.headers.get('etag')!
      expect((await fetch(`${small.url}/?kind=air`, { headers: { 'if-none-match': etag } })).status).toBe(304)
    } finally {
      await small.close()
    }
  })
})

describe('GET /v1/sensors/{id}', () => {
  it('gives the public entry, last seen, completeness, latest values and DAQI; no secrets', async () => {
    const { res, json, text } = await get(`/v1/sensors/${CAMDEN_AIR.id}`)
    expect(res.status).toBe(200)
    expect(text).not.toMatch(/password|hash|credential|rowid/i)
    expect(json.operator).toEqual(CAMDEN_AIR.operator)
    expect(json.borough_name).toBe('Camden')
    const newest = seeded.air[0]!
    expect(json.last_seen).toBe(new Date(newest.time).toISOString())
    expect(json.latest[0].values.pm2_5).toBe(newest.values.pm2_5)
    expect(json.latest[0].seq).toBe(newest.seq)
    // Completeness: the share of the last 24 hours (to one interval before now) the readings cover.
    const to = now - AIR_INTERVAL_MS
    const from = now - 86_400_000
    const day = seeded.air.filter((r) => r.time >= from && r.time < to)
    expect(json.completeness['24h']).toMatchObject({ since: 'window', received: day.length })
    expect(json.completeness['24h'].expected).toBe(Math.round((to - from) / AIR_INTERVAL_MS))
    expect(json.completeness['24h'].ratio).toBeCloseTo((day.length * AIR_INTERVAL_MS) / (to - from), 4)
    expect(day.length).toBeLessThan(json.completeness['24h'].expected) // the seeded gaps show
    // 30 days: the sensor's first reading is 26 hours old, so only the time since then counts.
    expect(json.completeness['30d'].since).toBe('first_reading')
    expect(json.completeness['30d'].from).toBe(new Date(seeded.air[seeded.air.length - 1]!.time).toISOString())
    // DAQI: hourly means ending at the last full hour; PM2.5 over 24 hours, NO2 over the last hour.
    const hourEnd = Math.floor(now / 3_600_000) * 3_600_000
    const hourlyMean = (field: 'pm2_5' | 'no2', start: number) =>
      mean(seeded.air.filter((r) => r.time >= start && r.time < start + 3_600_000).map((r) => r.values[field]!))
    const hours = Array.from({ length: 24 }, (_, i) => hourEnd - (24 - i) * 3_600_000)
    const pm = daqi('pm2_5', mean(hours.map((h) => hourlyMean('pm2_5', h))))
    const no2 = daqi('no2', hourlyMean('no2', hourEnd - 3_600_000))
    const byPollutant = Object.fromEntries(json.daqi.pollutants.map((p: Json) => [p.pollutant, p]))
    expect(byPollutant.pm2_5).toMatchObject({ index: pm.index, hours_valid: 24, hours_needed: 18 })
    expect(byPollutant.pm2_5.value).toBeCloseTo(pm.value, 1)
    expect(byPollutant.no2.index).toBe(no2.index)
    expect(json.daqi.indicative).toBe(true)
    expect(json.daqi.overall.index).toBe(Math.max(pm.index, no2.index))
    expect(json.licence.id).toBe(CAMDEN_AIR.licence)
  })

  it('404s an unknown sensor with a stable code', async () => {
    const { res, json } = await get('/v1/sensors/nope-0000')
    expect(res.status).toBe(404)
    expect(json.code).toBe('IOT_REGISTER_NOT_FOUND')
  })

  it('shows a restricted sensor\u2019s entry but not its readings', async () => {
    const entry = await get(`/v1/sensors/${WESTMINSTER_RESTRICTED.id}`)
    expect(entry.json.open_data).toBe(false)
    expect(entry.json.latest).toEqual([])
    const readings = await get(`/v1/sensors/${WESTMINSTER_RESTRICTED.id}/readings`)
    expect(readings.res.status).toBe(403)
    expect(readings.json.code).toBe('IOT_REGISTER_DATA_NOT_OPEN')
  })
})

describe('GET /v1/sensors/{id}/readings', () => {
  const iso = (ms: number) => new Date(ms).toISOString()

  it('aggregates air to hourly means', async () => {
    const from = Math.floor((now - 6 * 3_600_000) / 3_600_000) * 3_600_000
    const to = from + 4 * 3_600_000
    const { json } = await get(`/v1/sensors/${CAMDEN_AIR.id}/readings?from=${iso(from)}&to=${iso(to)}&every=1h`)
    expect(json.readings).toHaveLength(4)
    expect(json.aggregation.pm2_5).toBe('mean')
    for (const r of json.readings) {
      const t = Date.parse(r.time)
      const inHour = seeded.air.filter((s) => s.time >= t && s.time < t + 3_600_000)
      // Published at the 0.1 ug/m3 resolution of docs/schema.md.
      expect(r.values.pm2_5).toBe(Math.round(mean(inHour.map((s) => s.values.pm2_5!)) * 10) / 10)
    }
  })

  it('aggregates traffic counts to hourly sums over all lanes', async () => {
    const from = Math.floor((now - 5 * 3_600_000) / 3_600_000) * 3_600_000
    const to = from + 3 * 3_600_000
    const { json } = await get(`/v1/sensors/${HACKNEY_TRAFFIC.id}/readings?from=${iso(from)}&to=${iso(to)}&every=1h`)
    expect(json.readings).toHaveLength(3)
    expect(json.aggregation.car).toBe('sum')
    for (const r of json.readings) {
      const t = Date.parse(r.time)
      const inHour = seeded.traffic.filter((s) => s.time >= t && s.time < t + 3_600_000)
      expect(r.values.car).toBe(inHour.reduce((a, s) => a + s.values.car!, 0))
      expect(r.values.total_vehicles).toBe(inHour.reduce((a, s) => a + s.values.total_vehicles!, 0))
    }
  })

  it('pages raw readings with limit + cursor, ties included, without loss or repeats', async () => {
    const from = now - 6 * 3_600_000
    const expected = seeded.traffic.filter((s) => s.time >= from && s.time < now)
    let url: string | null =
      `/v1/sensors/${HACKNEY_TRAFFIC.id}/readings?from=${iso(from)}&to=${iso(now)}&every=raw&limit=7`
    const got: string[] = []
    let pages = 0
    while (url) {
      const { json } = await get(url.replace(reg.url, ''))
      for (const r of json.readings) got.push(`${r.time}/${r.lane}/${r.seq}`)
      url = json.next
      pages++
    }
    expect(pages).toBe(Math.ceil(expected.length / 7))
    expect(new Set(got).size).toBe(expected.length)
    expect(got.sort()).toEqual(expected.map((s) => `${iso(s.time)}/${s.lane}/${s.seq}`).sort())
  })

  it('serves CSV', async () => {
    const { res, text } = await get(`/v1/sensors/${CAMDEN_AIR.id}/readings?every=1h&format=csv`)
    expect(res.headers.get('content-type')).toMatch(/text\/csv/)
    expect(text.split('\r\n')[0]).toMatch(
      /^time,sensor,status,version,pm1,pm1_count,pm1_excluded,pm1_coverage,pm1_corrected,pm2_5,/,
    )
    const raw = await get(`/v1/sensors/${CAMDEN_AIR.id}/readings?every=raw&format=csv`)
    expect(raw.text.split('\r\n')[0]).toMatch(/,seq,interval,status,version,qc,suspect,flags,failed$/)
  })

  it('bounds ranges and names bad parameters', async () => {
    for (const [query, param] of [
      [`every=raw&from=${iso(now - 10 * 86_400_000)}`, 'to'],
      [`every=1h&from=${iso(now - 400 * 86_400_000)}`, 'to'],
      ['every=5m', 'every'],
      ['from=yesterday', 'from'],
      [`from=${iso(now)}&to=${iso(now - 1000)}`, 'from'],
      ['limit=0', 'limit'],
      ['cursor=notacursor', 'cursor'],
    ]) {
      const { res, json } = await get(`/v1/sensors/${CAMDEN_AIR.id}/readings?${query}`)
      expect(res.status, query).toBe(400)
      expect(json.code).toBe('IOT_REGISTER_BAD_PARAM')
      expect(json.field, query).toBe(param)
    }
  })
})

describe('latest and exports', () => {
  it('GET /v1/latest gives each open sensor its newest reading', async () => {
    const { json } = await get('/v1/latest?borough=E09000012')
    expect(json.sensors.map((s: Json) => s.id)).toEqual([HACKNEY_TRAFFIC.id])
    const readings = json.sensors[0].readings
    expect(readings).toHaveLength(2)
    expect(new Set(readings.map((r: Json) => r.time))).toEqual(
      new Set([new Date(seeded.traffic[0]!.time).toISOString()]),
    )
    const all = await get('/v1/latest')
    expect(all.json.sensors.map((s: Json) => s.id)).not.toContain(WESTMINSTER_RESTRICTED.id)
  })

  it('exports FIWARE AirQualityObserved and TrafficFlowObserved (NGSI-LD keyValues)', async () => {
    const air = await get('/v1/export/fiware?borough=E09000007')
    expect(air.res.headers.get('content-type')).toMatch(/application\/ld\+json/)
    const aqo = air.json.find((e: Json) => e.type === 'AirQualityObserved')
    const newest = seeded.air[0]!
    expect(aqo.id).toBe(`urn:ngsi-ld:AirQualityObserved:${CAMDEN_AIR.id}`)
    expect(aqo.dateObserved).toBe(new Date(newest.time).toISOString())
    expect(aqo.pm25).toBe(newest.values.pm2_5)
    expect(aqo.relativeHumidity).toBeCloseTo(newest.values.relative_humidity! / 100, 6)
    expect(aqo.location).toEqual(CAMDEN_AIR.location)
    expect(aqo.areaServed).toBe('Camden')
    expect(aqo['@context']).toBeInstanceOf(Array)
    const traffic = await get('/v1/export/fiware?borough=E09000012')
    const all = traffic.json.filter((e: Json) => e.type === 'TrafficFlowObserved' && !e.vehicleType)
    expect(all).toHaveLength(2)
    const lane1 = all.find((e: Json) => e.laneId === 1)
    const t0 = seeded.traffic.find((s) => s.lane === '1')!
    expect(lane1.intensity).toBe(t0.values.total_vehicles)
    expect(lane1.laneDirection).toBe('forward')
    expect(lane1.averageVehicleSpeed).toBe(t0.values.mean_speed)
    expect(lane1.dateObserved).toBe(`${new Date(t0.time).toISOString()}/${new Date(t0.time + 900_000).toISOString()}`)
    const bikes = traffic.json.find((e: Json) => e.vehicleType === 'bicycle' && e.laneId === 1)
    expect(bikes.intensity).toBe(t0.values.pedal_cycle)
    const bad = await get('/v1/export/fiware')
    expect(bad.res.status).toBe(400)
    expect(bad.json.field).toBe('borough')
  })

  it('exports a daily CSV per borough', async () => {
    const dayStart = Math.floor((now - 12 * 3_600_000) / 86_400_000) * 86_400_000
    const date = new Date(dayStart).toISOString().slice(0, 10)
    const { res, text } = await get(`/v1/export/csv?borough=E09000012&date=${date}`)
    expect(res.headers.get('content-disposition')).toMatch(/streetsense-hackney-/)
    const lines = text.trim().split('\r\n')
    const expected = seeded.traffic.filter((s) => s.time >= dayStart && s.time < dayStart + 86_400_000)
    expect(lines).toHaveLength(expected.length + 1)
    expect(lines[0]).toMatch(
      /^time,sensor,borough,kind,lane,direction,interval,seq,status,version,qc,suspect,flags,failed,pm1,.*,pm2_5_corrected,/,
    )
    const restricted = await get(`/v1/export/csv?borough=E09000033&date=${date}`)
    expect(restricted.text.trim().split('\r\n')).toHaveLength(1)
  })

  it('lists its routes in the OpenAPI document', async () => {
    const doc = reg.app.swagger() as { paths: Record<string, unknown> }
    for (const p of [
      '/v1/sensors',
      '/v1/sensors/{id}',
      '/v1/sensors/{id}/readings',
      '/v1/latest',
      '/v1/export/fiware',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p)
    }
  })
})

describe('register pages over plain HTTP', () => {
  it('server-renders the map with every sensor and a sensor page; a missing sensor gets an HTML 404', async () => {
    const index = await get('/?borough=E09000007')
    expect(index.res.headers.get('content-type')).toMatch(/text\/html/)
    expect(index.text.match(/<path d="M[^"]+" class="borough/g)).toHaveLength(33)
    expect(index.text.match(/class="marker /g)).toHaveLength(2)
    const sensor = await get(`/sensors/${CAMDEN_AIR.id}`)
    expect(sensor.text).toContain(`<h1>${CAMDEN_AIR.name}</h1>`)
    expect(sensor.text).toContain(`data-field="pm2_5" data-agg="mean">${seeded.air[0]!.values.pm2_5}<`)
    const missing = await get('/sensors/nope-0000', { headers: { accept: 'text/html' } })
    expect(missing.res.status).toBe(404)
    expect(missing.text).toContain('Sensor not found')
  })

  it('serves its two static assets and nothing else under /register-static/', async () => {
    expect((await get('/register-static/register.css')).res.headers.get('content-type')).toMatch(/text\/css/)
    for (const name of ['nope.js', 'constructor', '__proto__', 'toString']) {
      expect((await get(`/register-static/${name}`)).res.status, name).toBe(404)
    }
  })
})
