/**
 * Flow test of /v1/sta against OGC 18-088 Annex A.2 (conf/request-data): system query options on
 * the register's entity sets and on Observations read from a real influxd. Expected answers are
 * computed here from the seeded readings and register entries, not by the code under test.
 * Requirement ids are relative to http://www.opengis.net/spec/iot_sensing/1.1/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CAMDEN_AIR, CAMDEN_RETIRED, HACKNEY_TRAFFIC, WESTMINSTER_RESTRICTED } from './fixtures.js'
import { allPages, type Json, SOUTHWARK, type StaWorld, startStaWorld, TIE_SENSORS } from './sta-fixtures.js'

let w: StaWorld
beforeAll(async () => {
  w = await startStaWorld()
})
afterAll(async () => {
  await w?.close()
})

const q = (s: string) => encodeURIComponent(s)
const ids = (json: Json) => json.value.map((e: Json) => e['@iot.id'])
const ENTRIES = [CAMDEN_AIR, HACKNEY_TRAFFIC, WESTMINSTER_RESTRICTED, CAMDEN_RETIRED]
const camdenPm = () => w.seeded.air.map((r) => ({ time: r.time, v: r.values.pm2_5! }))

describe('A.2.1.1 request-data/order', () => {
  it('applies $filter, $count, $orderby, $skip, $top in that order, then $select', async () => {
    const { json } = await w.get(
      `/v1/sta/Things?$filter=${q("properties/kind eq 'air'")}&$count=true&$orderby=${q('name desc')}&$skip=1&$top=2&$select=name`,
    )
    const air = [
      ...ENTRIES.filter((e) => e.kind === 'air').map((e) => e.name),
      ...TIE_SENSORS.map((s) => `Tie sensor ${s}`),
    ]
    const expected = air.sort().reverse().slice(1, 3)
    expect(json['@iot.count']).toBe(air.length)
    expect(json.value).toEqual(expected.map((name) => ({ name })))
  })
})

describe('A.2.1.2 request-data/expand-and-select (req/request-data/expand, req/request-data/select)', () => {
  it('expands navigation properties inline, nested and with their own query options', async () => {
    const { json } = await w.get(
      `/v1/sta/Things('${CAMDEN_AIR.id}')?$expand=${q("Datastreams($filter=ObservedProperty/@iot.id eq 'pm2_5';$expand=ObservedProperty,Observations($top=2;$select=result))")}`,
    )
    expect(json.Datastreams).toHaveLength(1)
    const [ds] = json.Datastreams
    expect(ds.ObservedProperty['@iot.id']).toBe('pm2_5')
    expect(ds.Observations).toEqual(
      camdenPm()
        .slice(0, 2)
        .map((r) => ({ result: r.v })),
    )
    expect(ds['Observations@iot.nextLink']).toMatch(/\/Datastreams\('camden-aq-0042:pm2_5'\)\/Observations\?/)
    expect(json['Locations@iot.navigationLink']).toBeDefined()
  })

  it('expands a multi-level path and counts expanded collections', async () => {
    const { json } = await w.get(`/v1/sta/Datastreams('${CAMDEN_AIR.id}:no2')?$expand=Thing/Locations($count=true)`)
    expect(json.Thing['@iot.id']).toBe(CAMDEN_AIR.id)
    expect(json.Thing['Locations@iot.count']).toBe(1)
    expect(json.Thing.Locations[0].location).toEqual(CAMDEN_AIR.location)
  })

  it('selects properties (id included only when asked) and keeps expanded ones', async () => {
    const { json } = await w.get(
      `/v1/sta/Datastreams('${CAMDEN_AIR.id}:pm10')?$select=id,name&$expand=Sensor($select=name)`,
    )
    expect(json).toEqual({
      '@iot.id': `${CAMDEN_AIR.id}:pm10`,
      name: `PM10 (particles) at ${CAMDEN_AIR.name}`,
      Sensor: { name: CAMDEN_AIR.hardware!.model },
      licence: expect.any(Object),
      attribution: expect.any(String),
    })
    const obs = await w.get(
      `/v1/sta/Observations?$select=result,phenomenonTime&$top=1&$filter=${q(`Datastream/@iot.id eq '${CAMDEN_AIR.id}:pm2_5'`)}`,
    )
    expect(Object.keys(obs.json.value[0]).sort()).toEqual(['phenomenonTime', 'result'])
  })

  it('refuses unknown properties and navigation names with a 400 naming them', async () => {
    for (const [query, field] of [
      ['$select=colour', '$select'],
      ['$expand=Observations', '$expand'],
      ['$expand=Datastreams($foo=1)', '$foo'],
      ['$filter=colour eq 1', '$filter'],
      ['$orderby=colour desc', '$orderby'],
    ]) {
      const { status, json } = await w.get(`/v1/sta/Things?${query}`)
      expect(status, query).toBe(400)
      expect(json.field, query).toBe(field)
    }
  })
})

describe('A.2.1.3 request-data/status-codes (req/request-data/query-status-code)', () => {
  it('fails a request with an option or function it does not implement with 501 naming it', async () => {
    for (const query of [
      '$search=pm',
      '$resultFormat=dataArray',
      `$filter=${q("geo.distance(Locations/location, geography'POINT(-0.1 51.5)') lt 0.1")}`,
      `$filter=${q("st_relate(Locations/location, geography'POINT(-0.1 51.5)', 'T********')")}`,
      `$filter=${q('Datastreams/Observations/result gt 1')}`,
    ]) {
      const { status, json } = await w.get(`/v1/sta/Things?${query}`)
      expect(status, query).toBe(501)
      expect(json.code).toBe('IOT_REGISTER_NOT_IMPLEMENTED')
    }
  })

  it('answers 400, never a silently wrong answer, for what is not a valid option', async () => {
    for (const query of [
      '$top=-1',
      '$skip=x',
      '$count=yes',
      '$filter=name eq',
      "$filter=name eq 'x",
      '$filter=nosuchfn(name)',
      'format=csv',
    ]) {
      expect((await w.get(`/v1/sta/Things?${query}`)).status, query).toBe(400)
    }
    expect((await w.get(`/v1/sta/Things('${CAMDEN_AIR.id}')?$top=1`)).status).toBe(400)
    const deep = `${'('.repeat(60)}name eq 'x'${')'.repeat(60)}`
    const tooDeep = await w.get(`/v1/sta/Things?$filter=${q(deep)}`)
    expect(tooDeep.status).toBe(400)
    expect(tooDeep.json.message).toMatch(/nested deeper than 50/)
  })
})

describe('A.2.1.4 request-data/sorting (req/request-data/orderby)', () => {
  it('orders by one or more expressions, ascending unless desc', async () => {
    const byBorough = await w.get(
      `/v1/sta/Things?$orderby=${q('properties/borough desc,name')}&$select=name,properties`,
    )
    const rows: [string, string][] = byBorough.json.value.map((e: Json) => [e.properties.borough, e.name])
    const expected = [...rows].sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? 1 : -1))
    expect(rows).toEqual(expected)
    const byLength = await w.get(`/v1/sta/ObservedProperties?$orderby=${q('length(name) desc')}&$top=1`)
    expect(byLength.json.value[0].name).toBe('Occupancy (share of time a vehicle was over the detector)')
  })

  it('orders Observations by result (read in full, bounded) and by phenomenonTime', async () => {
    const ds = `Datastreams('${CAMDEN_AIR.id}:pm2_5')`
    const byResult = await w.get(`/v1/sta/${ds}/Observations?$orderby=${q('result desc,phenomenonTime desc')}&$top=5`)
    const expected = camdenPm().sort((a, b) => b.v - a.v || b.time - a.time)
    expect(byResult.json.value.map((o: Json) => o.result)).toEqual(expected.slice(0, 5).map((r) => r.v))
    const oldest = await w.get(`/v1/sta/${ds}/Observations?$orderby=phenomenonTime&$top=2`)
    expect(oldest.json.value.map((o: Json) => o.result)).toEqual(
      camdenPm()
        .reverse()
        .slice(0, 2)
        .map((r) => r.v),
    )
  })
})

describe('A.2.1.5 request-data/client-driven-pagination (req/request-data/top, req/request-data/skip)', () => {
  it('pages with $top and $skip, and caps $top at the server page size of 1000', async () => {
    const page = await w.get(`/v1/sta/Datastreams?$skip=2&$top=3`)
    const all = await w.get('/v1/sta/Datastreams?$top=1000')
    expect(ids(page.json)).toEqual(ids(all.json).slice(2, 5))
    const big = await w.get(
      `/v1/sta/Observations?$top=5000&$filter=${q(`Datastream/Thing/@iot.id eq '${CAMDEN_AIR.id}'`)}`,
    )
    expect(big.json.value).toHaveLength(1000)
    expect(big.json['@iot.nextLink']).toMatch(/\$top=1000/)
    expect((await w.get('/v1/sta/Things?$top=0&$count=true')).json).toMatchObject({ value: [], '@iot.count': 7 })
  })
})

describe('A.2.1.6 request-data/count (req/request-data/count)', () => {
  it('counts every item matching $filter, ignoring $top and $skip', async () => {
    const { json } = await w.get(
      `/v1/sta/Datastreams?$count=true&$top=1&$skip=3&$filter=${q("ObservedProperty/@iot.id eq 'pm2_5'")}`,
    )
    // Every registered sensor measuring PM2.5, open or not: the Datastreams are public.
    expect(json['@iot.count']).toBe(3 + TIE_SENSORS.length)
    const obs = await w.get(`/v1/sta/Datastreams('${CAMDEN_AIR.id}:pm2_5')/Observations?$count=true&$top=1`)
    expect(obs.json['@iot.count']).toBe(w.seeded.air.length)
  })
})

describe('A.2.1.7 request-data/filter (req/request-data/filter, built-in-filter-operations, built-in-query-functions)', () => {
  it('filters with comparison and logical operators on properties and paths', async () => {
    const eq = await w.get(`/v1/sta/Things?$filter=${q(`name eq '${HACKNEY_TRAFFIC.name}'`)}`)
    expect(ids(eq.json)).toEqual([HACKNEY_TRAFFIC.id])
    const logical = await w.get(
      `/v1/sta/Things?$filter=${q(`properties/kind eq 'traffic' or (properties/borough eq '${SOUTHWARK}' and not endswith(name,'a'))`)}`,
    )
    expect(ids(logical.json)).toEqual([HACKNEY_TRAFFIC.id, 'tie-b', 'tie-c'])
    const ne = await w.get(
      `/v1/sta/Datastreams?$filter=${q("unitOfMeasurement/symbol ne 'ug/m3' and Thing/@iot.id eq 'camden-aq-0042'")}`,
    )
    expect(ids(ne.json)).toEqual(['temperature', 'relative_humidity', 'pressure'].map((f) => `${CAMDEN_AIR.id}:${f}`))
  })

  it('has the string functions (OData zero-based indexof and substring)', async () => {
    const name = HACKNEY_TRAFFIC.name // 'Mare Street at Well Street'
    for (const f of [
      "substringof('Well Street', name)",
      "contains(name, 'Well')",
      "startswith(name, 'Mare')",
      "endswith(name, 'Well Street')",
      `length(name) eq ${name.length}`,
      `indexof(name, 'Street') eq ${name.indexOf('Street')}`,
      "substring(name, 5) eq 'Street at Well Street'",
      "substring(name, 0, 4) eq 'Mare'",
      `tolower(name) eq '${name.toLowerCase()}'`,
      `toupper(name) eq '${name.toUpperCase()}'`,
      `trim(concat(' ', name)) eq '${name}'`,
    ]) {
      expect(ids((await w.get(`/v1/sta/Things?$filter=${q(f)}`)).json), f).toEqual([HACKNEY_TRAFFIC.id])
    }
  })

  it('has the date and math functions', async () => {
    const t = new Date(w.seeded.air[0]!.time)
    const ds = `Datastreams('${CAMDEN_AIR.id}:pm2_5')`
    const filter = `year(phenomenonTime) eq ${t.getUTCFullYear()} and month(phenomenonTime) eq ${t.getUTCMonth() + 1} and day(phenomenonTime) eq ${t.getUTCDate()} and hour(phenomenonTime) eq ${t.getUTCHours()} and minute(phenomenonTime) eq ${t.getUTCMinutes()}`
    const { json } = await w.get(`/v1/sta/${ds}/Observations?$filter=${q(filter)}`)
    expect(json.value.map((o: Json) => o.result)).toEqual([w.seeded.air[0]!.values.pm2_5])
    const rounded = await w.get(
      `/v1/sta/${ds}/Observations?$count=true&$top=0&$filter=${q('round(result) eq 11 or floor(result) eq 13 or ceiling(result) eq 16')}`,
    )
    const expected = camdenPm().filter((r) => Math.round(r.v) === 11 || Math.floor(r.v) === 13 || Math.ceil(r.v) === 16)
    expect(rounded.json['@iot.count']).toBe(expected.length)
    const recent = await w.get(
      `/v1/sta/HistoricalLocations?$filter=${q('time gt mindatetime() and time lt maxdatetime()')}&$count=true`,
    )
    expect(recent.json['@iot.count']).toBe(7)
  })

  it('has arithmetic operators, pushed down to InfluxDB with result comparisons', async () => {
    const ds = `Datastreams('${CAMDEN_AIR.id}:pm2_5')`
    for (const [f, keep] of [
      ['result add 5 gt 25', (v: number) => v + 5 > 25],
      ['result sub 1 le 9', (v: number) => v - 1 <= 9],
      ['result mul 2 ge 41', (v: number) => v * 2 >= 41],
      ['result div 2 lt 6', (v: number) => v / 2 < 6],
      ['result mod 2 eq 0', (v: number) => v % 2 === 0],
      ['(result sub 5) gt 10 and result ne 18', (v: number) => v - 5 > 10 && v !== 18],
    ] as const) {
      const { json } = await w.get(`/v1/sta/${ds}/Observations?$count=true&$top=1000&$filter=${q(f)}`)
      const expected = camdenPm().filter((r) => keep(r.v))
      expect(json['@iot.count'], f).toBe(expected.length)
      expect(
        json.value.map((o: Json) => o.result),
        f,
      ).toEqual(expected.map((r) => r.v))
    }
  })

  it('compares phenomenonTime (an interval) and resultTime with times', async () => {
    const ds = `Datastreams('${CAMDEN_AIR.id}:pm2_5')`
    const air = w.seeded.air
    const t = air[10]!.time // an interval starts at t and ends at t + 300 s; the one before ends at t.
    const iso = new Date(t).toISOString()
    const cases: [string, (r: { time: number }) => boolean][] = [
      [`phenomenonTime ge ${iso}`, (r) => r.time >= t],
      [`phenomenonTime gt ${iso}`, (r) => r.time > t],
      [`phenomenonTime lt ${iso}`, (r) => r.time + 300_000 < t],
      [`phenomenonTime le ${iso}`, (r) => r.time + 300_000 <= t],
      [`resultTime ge ${iso}`, (r) => r.time + 300_000 >= t],
      [`resultTime eq ${iso}`, (r) => r.time + 300_000 === t],
      [
        `phenomenonTime ge ${iso} and phenomenonTime lt ${new Date(t + 3_600_000).toISOString()}`,
        (r) => r.time >= t && r.time + 300_000 < t + 3_600_000,
      ],
    ]
    for (const [f, keep] of cases) {
      const { json } = await w.get(`/v1/sta/${ds}/Observations?$count=true&$top=1000&$filter=${q(f)}`)
      const expected = air.filter(keep)
      expect(json['@iot.count'], f).toBe(expected.length)
      expect(
        json.value.map((o: Json) => Date.parse(o.phenomenonTime.split('/')[0])),
        f,
      ).toEqual(expected.map((r) => r.time))
    }
  })

  it('has geo.intersects and st_within on locations, features and Observations', async () => {
    const camdenBox = "geography'POLYGON((-0.15 51.51, -0.12 51.51, -0.12 51.55, -0.15 51.55, -0.15 51.51))'"
    const things = await w.get(`/v1/sta/Things?$filter=${q(`geo.intersects(Locations/location, ${camdenBox})`)}`)
    expect(ids(things.json)).toEqual([CAMDEN_AIR.id, CAMDEN_RETIRED.id])
    const within = await w.get(`/v1/sta/Locations?$filter=${q(`st_within(location, ${camdenBox})`)}`)
    expect(ids(within.json)).toEqual([CAMDEN_AIR.id, CAMDEN_RETIRED.id])
    const [lon, lat] = CAMDEN_AIR.location.coordinates as [number, number]
    const point = `geography'POINT(${lon} ${lat})'`
    expect(ids((await w.get(`/v1/sta/FeaturesOfInterest?$filter=${q(`st_equals(feature, ${point})`)}`)).json)).toEqual([
      CAMDEN_AIR.id,
    ])
    const edge = `geography'POLYGON((${lon} ${lat}, ${lon + 0.01} ${lat}, ${lon + 0.01} ${lat + 0.01}, ${lon} ${lat + 0.01}, ${lon} ${lat}))'`
    expect(ids((await w.get(`/v1/sta/Locations?$filter=${q(`st_touches(location, ${edge})`)}`)).json)).toEqual([
      CAMDEN_AIR.id,
    ])
    expect(ids((await w.get(`/v1/sta/Locations?$filter=${q(`st_within(location, ${edge})`)}`)).json)).toEqual([])
    const obs = await w.get(
      `/v1/sta/Observations?$count=true&$top=0&$filter=${q(`geo.intersects(FeatureOfInterest/feature, ${camdenBox})`)}`,
    )
    // Camden's open air sensor's Observations (the retired one has none): one per stored field it measures.
    expect(obs.json['@iot.count']).toBe(w.seeded.air.length * CAMDEN_AIR.measures.length)
    expect(
      (await w.get(`/v1/sta/Things?$filter=${q("geo.intersects(Locations/location, geography'POLYGON((0 0, 1 1))')")}`))
        .status,
    ).toBe(400)
  })

  it('evaluates what InfluxDB cannot on every row read, completely', async () => {
    const ds = `Datastreams('${CAMDEN_AIR.id}:pm2_5')`
    const { json } = await w.get(
      `/v1/sta/${ds}/Observations?$count=true&$top=1000&$filter=${q("round(result) eq 11 and substringof('0.5', concat('', '10.5'))")}`,
    )
    const expected = camdenPm().filter((r) => Math.round(r.v) === 11)
    expect(json['@iot.count']).toBe(expected.length)
    expect(json.value.map((o: Json) => o.result)).toEqual(expected.map((r) => r.v))
  })
})

describe('A.2.1.8 request-data/server-driven-pagination (req/request-data/pagination)', () => {
  it('gives a nextLink while items remain and none on the last page; following it loses and repeats nothing', async () => {
    const expected = TIE_SENSORS.flatMap((s) => ['pm2_5', 'no2'].map((f) => `${s}:${f}`))
    const order = w.tieTimes.flatMap((t) =>
      ['tie-a', 'tie-b', 'tie-c'].flatMap((s) => ['pm2_5', 'no2'].map((f) => `${s}:${f}@${t}`)),
    )
    expect(expected).toHaveLength(6)
    const filter = q(`Datastream/Thing/properties/borough eq '${SOUTHWARK}'`)
    for (const top of [1, 4, 5, 7]) {
      const { values, pages } = await allPages(w, `/v1/sta/Observations?$top=${top}&$filter=${filter}`)
      expect(
        values.map((o: Json) => o['@iot.id']),
        `$top=${top}`,
      ).toEqual(order)
      expect(pages).toBe(Math.ceil(order.length / top))
    }
    const bySkip = await w.get(`/v1/sta/Observations?$top=5&$skip=10&$filter=${filter}`)
    expect(ids(bySkip.json)).toEqual(order.slice(10, 15))
    const ascending = await allPages(w, `/v1/sta/Observations?$top=5&$orderby=phenomenonTime asc&$filter=${filter}`)
    const asc = [...w.tieTimes]
      .reverse()
      .flatMap((t) => ['tie-a', 'tie-b', 'tie-c'].flatMap((s) => ['pm2_5', 'no2'].map((f) => `${s}:${f}@${t}`)))
    expect(ascending.values.map((o: Json) => o['@iot.id'])).toEqual(asc)
  })

  it('pages the register sets by $skip, the last page without a nextLink', async () => {
    const { values, pages } = await allPages(w, '/v1/sta/Things?$top=3')
    expect(values.map((v: Json) => v['@iot.id'])).toEqual([...ENTRIES.map((e) => e.id), ...TIE_SENSORS].sort())
    expect(pages).toBe(3)
  })
})

describe('bounded reads (after every other test: it adds many readings)', () => {
  it('refuses with a 400 saying how to narrow it a filter InfluxDB cannot evaluate over too many readings', async () => {
    const sensor = 'bulk-aq-0001'
    w.reg.registry.addSensor({ ...CAMDEN_AIR, id: sensor, name: 'Bulk sensor', measures: ['pm2_5'] }, 'test')
    const t0 = w.now - 30 * 86_400_000
    const lines = Array.from(
      { length: 21_000 },
      (_, i) => `air,sensor=${sensor},borough=E09000007 pm2_5=${i % 50},interval=60i ${t0 + i * 60_000}`,
    )
    await w.influx.write('streetsense', lines.join('\n'), 'ms')
    const ds = `Datastreams('${sensor}:pm2_5')`
    // A page is answered as soon as it is full: the bound bites when matches are rare (or all must be counted).
    expect((await w.get(`/v1/sta/${ds}/Observations?$filter=${q('round(result) eq 7')}`)).json.value).toHaveLength(100)
    const wide = await w.get(`/v1/sta/${ds}/Observations?$filter=${q('round(result) eq 777')}`)
    expect(wide.status).toBe(400)
    expect((await w.get(`/v1/sta/${ds}/Observations?$count=true&$filter=${q('round(result) eq 7')}`)).status).toBe(400)
    expect(wide.json.field).toBe('$filter')
    expect(wide.json.message).toMatch(/narrow it with a phenomenonTime range/)
    // Pushed down, the same question is answered by InfluxDB, counted there too.
    const pushed = await w.get(`/v1/sta/${ds}/Observations?$count=true&$top=3&$filter=${q('result eq 7')}`)
    expect(pushed.status).toBe(200)
    expect(pushed.json['@iot.count']).toBe(21_000 / 50)
    // Narrowed by time, the rest is evaluated on the rows read.
    const from = new Date(t0).toISOString()
    const to = new Date(t0 + 1000 * 60_000).toISOString()
    const narrow = await w.get(
      `/v1/sta/${ds}/Observations?$count=true&$top=0&$filter=${q(`phenomenonTime ge ${from} and phenomenonTime lt ${to} and round(result) eq 7`)}`,
    )
    expect(narrow.json['@iot.count']).toBe(20)
  })

  it('expands Observations under at most 100 entities per request', async () => {
    for (let i = 0; i < 15; i++) {
      w.reg.registry.addSensor({ ...CAMDEN_AIR, id: `many-aq-${i}`, name: `Many ${i}` }, 'test')
    }
    const { status, json } = await w.get(
      `/v1/sta/Things?$top=1000&$expand=${q('Datastreams($expand=Observations($top=1))')}`,
    )
    expect(status).toBe(400)
    expect(json.field).toBe('$expand')
    expect(json.message).toMatch(/at most 100 per request/)
  })
})
