/**
 * Flow test of /v1/sta against the conformance classes of OGC 18-088 Annex A.1 (SensorThings
 * Read Core): the data model and the resource paths, on a real registry and a real influxd.
 * Requirement ids are relative to http://www.opengis.net/spec/iot_sensing/1.1/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CAMDEN_AIR, CAMDEN_RETIRED, HACKNEY_TRAFFIC, WESTMINSTER_RESTRICTED } from './fixtures.js'
import { type Json, type StaWorld, startStaWorld, TIE_SENSORS } from './sta-fixtures.js'

let w: StaWorld
beforeAll(async () => {
  w = await startStaWorld()
})
afterAll(async () => {
  await w?.close()
})

const ALL = [CAMDEN_AIR, HACKNEY_TRAFFIC, WESTMINSTER_RESTRICTED, CAMDEN_RETIRED].map((e) => e.id)
const SENSOR_IDS = [...ALL, ...TIE_SENSORS].sort()

/** Mandatory properties (Tables 3-17) and navigation properties (relations) per entity set. */
const MODEL: Record<string, { props: string[]; navs: string[] }> = {
  Things: { props: ['name', 'description'], navs: ['Locations', 'HistoricalLocations', 'Datastreams'] },
  Locations: { props: ['name', 'description', 'encodingType', 'location'], navs: ['Things', 'HistoricalLocations'] },
  HistoricalLocations: { props: ['time'], navs: ['Thing', 'Locations'] },
  Datastreams: {
    props: ['name', 'description', 'unitOfMeasurement', 'observationType'],
    navs: ['Thing', 'Sensor', 'ObservedProperty', 'Observations'],
  },
  Sensors: { props: ['name', 'description', 'encodingType', 'metadata'], navs: ['Datastreams'] },
  ObservedProperties: { props: ['name', 'definition', 'description'], navs: ['Datastreams'] },
  Observations: { props: ['phenomenonTime', 'result', 'resultTime'], navs: ['Datastream', 'FeatureOfInterest'] },
  FeaturesOfInterest: { props: ['name', 'description', 'encodingType', 'feature'], navs: ['Observations'] },
}

describe('A.1.1 conf/datamodel/entity-control-information (req/datamodel/entity-control-information/common-control-information)', () => {
  it('gives every entity of every set @iot.id, an absolute @iot.selfLink that resolves to it, and its navigation links', async () => {
    for (const set of Object.keys(MODEL)) {
      const { status, json } = await w.get(`/v1/sta/${set}?$top=3`)
      expect(status, set).toBe(200)
      expect(json.value.length, set).toBeGreaterThan(0)
      for (const e of json.value as Json[]) {
        expect(e['@iot.id'], set).toEqual(expect.any(String))
        expect(e['@iot.selfLink'], set).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/sta\//)
        for (const nav of MODEL[set]!.navs)
          expect(e[`${nav}@iot.navigationLink`], `${set} ${nav}`).toBe(`${e['@iot.selfLink']}/${nav}`)
        const again = await w.get(e['@iot.selfLink'].replace(w.reg.url, ''))
        expect(again.status, e['@iot.selfLink']).toBe(200)
        expect(again.json['@iot.id']).toBe(e['@iot.id'])
      }
    }
  })
})

describe('A.1.2-A.1.9 conf/datamodel/<entity> (req/datamodel/*/properties, req/datamodel/*/relations)', () => {
  it('gives every entity its mandatory properties', async () => {
    for (const [set, { props }] of Object.entries(MODEL)) {
      const { json } = await w.get(`/v1/sta/${set}?$top=50`)
      for (const e of json.value as Json[])
        for (const p of props) expect(e[p], `${set} ${e['@iot.id']} ${p}`).toBeDefined()
    }
  })

  it('maps each register entry to a Thing, Location, HistoricalLocation, Sensor and FeatureOfInterest', async () => {
    for (const set of ['Things', 'Locations', 'HistoricalLocations', 'Sensors', 'FeaturesOfInterest']) {
      const { json } = await w.get(`/v1/sta/${set}?$top=100`)
      expect(
        json.value.map((e: Json) => e['@iot.id']),
        set,
      ).toEqual(SENSOR_IDS)
    }
    const { json: thing } = await w.get(`/v1/sta/Things('${CAMDEN_AIR.id}')`)
    expect(thing).toMatchObject({ name: CAMDEN_AIR.name, description: CAMDEN_AIR.purpose })
    expect(thing.properties).toMatchObject({ borough: CAMDEN_AIR.borough, boroughName: 'Camden', openData: true })
    const { json: loc } = await w.get(`/v1/sta/Locations('${CAMDEN_AIR.id}')`)
    expect(loc).toMatchObject({
      encodingType: 'application/geo+json',
      location: CAMDEN_AIR.location,
      name: CAMDEN_AIR.address,
    })
    const { json: foi } = await w.get(`/v1/sta/FeaturesOfInterest('${CAMDEN_AIR.id}')`)
    expect(foi).toMatchObject({ encodingType: 'application/geo+json', feature: CAMDEN_AIR.location })
    const { json: sensor } = await w.get(`/v1/sta/Sensors('${CAMDEN_AIR.id}')`)
    expect(sensor).toMatchObject({ name: CAMDEN_AIR.hardware!.model, encodingType: 'text/html' })
    expect(sensor.metadata).toMatch(new RegExp(`/sensors/${CAMDEN_AIR.id}$`))
    const { json: hl } = await w.get(`/v1/sta/HistoricalLocations('${CAMDEN_AIR.id}')`)
    expect(Number.isNaN(Date.parse(hl.time))).toBe(false)
  })

  it('gives one Datastream per measured field, with UCUM units and an O&M observation type', async () => {
    const { json } = await w.get(`/v1/sta/Things('${CAMDEN_AIR.id}')/Datastreams`)
    expect(json.value.map((d: Json) => d['@iot.id'])).toEqual(CAMDEN_AIR.measures.map((m) => `${CAMDEN_AIR.id}:${m}`))
    const pm = json.value.find((d: Json) => d['@iot.id'].endsWith(':pm2_5'))
    expect(pm.unitOfMeasurement).toEqual({
      name: 'microgram per cubic metre',
      symbol: 'ug/m3',
      definition: 'http://unitsofmeasure.org/ucum.html#ug%2Fm3',
    })
    expect(pm.observationType).toBe('http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement')
    const traffic = await w.get(`/v1/sta/Datastreams('${HACKNEY_TRAFFIC.id}:car')`)
    expect(traffic.json.observationType).toMatch(/OM_CountObservation$/)
    const { json: op } = await w.get("/v1/sta/ObservedProperties('pm2_5')")
    expect(op).toMatchObject({
      name: 'PM2.5 (fine particles)',
      definition: 'http://dd.eionet.europa.eu/vocabulary/aq/pollutant/6001',
    })
  })

  it('relates the entities as the data model says (each relation navigated both ways)', async () => {
    const ds = `Datastreams('${CAMDEN_AIR.id}:pm2_5')`
    expect((await w.get(`/v1/sta/${ds}/Thing`)).json['@iot.id']).toBe(CAMDEN_AIR.id)
    expect((await w.get(`/v1/sta/${ds}/Sensor`)).json['@iot.id']).toBe(CAMDEN_AIR.id)
    expect((await w.get(`/v1/sta/${ds}/ObservedProperty`)).json['@iot.id']).toBe('pm2_5')
    const opStreams = (await w.get("/v1/sta/ObservedProperties('pm2_5')/Datastreams")).json.value.map(
      (d: Json) => d['@iot.id'],
    )
    expect(opStreams).toContain(`${CAMDEN_AIR.id}:pm2_5`)
    expect(opStreams).toContain('tie-a:pm2_5')
    expect((await w.get(`/v1/sta/Sensors('${CAMDEN_AIR.id}')/Datastreams`)).json.value).toHaveLength(
      CAMDEN_AIR.measures.length,
    )
    expect((await w.get(`/v1/sta/Locations('${CAMDEN_AIR.id}')/Things`)).json.value[0]['@iot.id']).toBe(CAMDEN_AIR.id)
    expect((await w.get(`/v1/sta/Things('${CAMDEN_AIR.id}')/HistoricalLocations`)).json.value).toHaveLength(1)
    expect((await w.get(`/v1/sta/HistoricalLocations('${CAMDEN_AIR.id}')/Thing`)).json['@iot.id']).toBe(CAMDEN_AIR.id)
    expect((await w.get(`/v1/sta/HistoricalLocations('${CAMDEN_AIR.id}')/Locations`)).json.value).toHaveLength(1)
    const [obs] = (await w.get(`/v1/sta/${ds}/Observations?$top=1`)).json.value
    expect((await w.get(`/v1/sta/Observations('${obs['@iot.id']}')/Datastream`)).json['@iot.id']).toBe(
      `${CAMDEN_AIR.id}:pm2_5`,
    )
    expect((await w.get(`/v1/sta/Observations('${obs['@iot.id']}')/FeatureOfInterest`)).json['@iot.id']).toBe(
      CAMDEN_AIR.id,
    )
    const foiObs = (await w.get(`/v1/sta/FeaturesOfInterest('${CAMDEN_AIR.id}')/Observations?$top=50`)).json.value
    expect(new Set(foiObs.map((o: Json) => o['@iot.id'].split('@')[0].split(':')[1]))).toEqual(
      new Set(CAMDEN_AIR.measures),
    )
  })

  it('gives Observations the reading interval as phenomenonTime, its end as resultTime, and traffic lanes as parameters', async () => {
    const newest = w.seeded.air[0]!
    const { json } = await w.get(`/v1/sta/Datastreams('${CAMDEN_AIR.id}:pm2_5')/Observations?$top=1`)
    const start = new Date(newest.time).toISOString()
    const end = new Date(newest.time + 300_000).toISOString()
    expect(json.value[0]).toMatchObject({
      phenomenonTime: `${start}/${end}`,
      resultTime: end,
      result: newest.values.pm2_5,
    })
    const car = (await w.get(`/v1/sta/Datastreams('${HACKNEY_TRAFFIC.id}:car')/Observations?$top=2`)).json.value
    const t = w.seeded.traffic.filter((r) => r.time === w.seeded.traffic[0]!.time)
    expect(car.map((o: Json) => [o.result, o.parameters])).toEqual(
      t.map((r) => [r.values.car, { lane: r.lane, direction: r.direction }]),
    )
  })
})

describe('A.1.10 conf/resource-path (req/resource-path/resource-path-to-entities)', () => {
  it('usage 1: the service root lists every entity set and the conformance classes', async () => {
    const { json } = await w.get('/v1/sta')
    expect(json.value.map((v: Json) => v.name).sort()).toEqual(Object.keys(MODEL).sort())
    for (const v of json.value) expect((await w.get(v.url.replace(w.reg.url, ''))).status, v.url).toBe(200)
    expect(json.serverSettings.conformance).toContain('http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel')
    expect(json.serverSettings.conformance).toContain(
      'http://www.opengis.net/spec/iot_sensing/1.1/req/request-data/filter',
    )
  })

  it('usages 2-3: a collection, and an entity by its quoted id', async () => {
    expect((await w.get('/v1/sta/Things')).json.value).toHaveLength(SENSOR_IDS.length)
    expect((await w.get(`/v1/sta/Things('${HACKNEY_TRAFFIC.id}')`)).json.name).toBe(HACKNEY_TRAFFIC.name)
  })

  it('usages 4-5: a property as { name: value }, a nested property, $value as text, and 204 for null', async () => {
    const name = await w.get(`/v1/sta/Things('${CAMDEN_AIR.id}')/name`)
    expect(name.json.name).toBe(CAMDEN_AIR.name)
    const borough = await w.get(`/v1/sta/Things('${CAMDEN_AIR.id}')/properties/borough`)
    expect(borough.json.borough).toBe(CAMDEN_AIR.borough)
    const raw = await w.get(`/v1/sta/Things('${CAMDEN_AIR.id}')/name/$value`)
    expect(raw.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(raw.text).toBe(CAMDEN_AIR.name)
    const [obs] = (await w.get(`/v1/sta/Datastreams('${CAMDEN_AIR.id}:pm2_5')/Observations?$top=1`)).json.value
    const result = await w.get(`/v1/sta/Observations('${obs['@iot.id']}')/result/$value`)
    expect(result.text).toBe(String(w.seeded.air[0]!.values.pm2_5))
    expect((await w.get(`/v1/sta/Observations('${obs['@iot.id']}')/validTime`)).status).toBe(204)
    expect((await w.get(`/v1/sta/Things('${CAMDEN_AIR.id}')/properties/$value`)).status).toBe(400)
  })

  it('usages 6-8: navigation, $ref association links, and nested paths', async () => {
    const refs = await w.get(`/v1/sta/Things('${CAMDEN_AIR.id}')/Datastreams/$ref`)
    expect(refs.json.value).toEqual(
      CAMDEN_AIR.measures.map((m) => ({ '@iot.selfLink': `${w.reg.url}/v1/sta/Datastreams('${CAMDEN_AIR.id}:${m}')` })),
    )
    const one = await w.get(`/v1/sta/Datastreams('${CAMDEN_AIR.id}:no2')/Thing/$ref`)
    expect(one.json).toMatchObject({ '@iot.selfLink': `${w.reg.url}/v1/sta/Things('${CAMDEN_AIR.id}')` })
    const op = await w.get(
      `/v1/sta/Things('${CAMDEN_AIR.id}')/Datastreams('${CAMDEN_AIR.id}:no2')/ObservedProperty/name`,
    )
    expect(op.json.name).toBe('Nitrogen dioxide (NO₂)')
    const [obs] = (await w.get(`/v1/sta/Datastreams('${CAMDEN_AIR.id}:no2')/Observations?$top=1`)).json.value
    const nested = await w.get(
      `/v1/sta/Datastreams('${CAMDEN_AIR.id}:no2')/Observations('${obs['@iot.id']}')/FeatureOfInterest`,
    )
    expect(nested.json['@iot.id']).toBe(CAMDEN_AIR.id)
    const elsewhere = await w.get(`/v1/sta/Datastreams('${CAMDEN_AIR.id}:pm1')/Observations('${obs['@iot.id']}')`)
    expect(elsewhere.status).toBe(404)
  })

  it('answers 404 naming what is missing (req/request-data/status-code)', async () => {
    for (const path of [
      'Sensings',
      "Things('nope-0000')",
      `Datastreams('${CAMDEN_AIR.id}:o3')`,
      `Things('${CAMDEN_AIR.id}')/Colour`,
      `Observations('${CAMDEN_AIR.id}:pm2_5@1')`,
      "Things('a%25zz')",
      'Things/$count',
    ]) {
      const { status, json } = await w.get(`/v1/sta/${path}`)
      expect(status, path).toBe(404)
      expect(json.code, path).toBe('IOT_REGISTER_NOT_FOUND')
    }
  })
})

describe('readings of sensors that are not open data', () => {
  it('never appear: the entities are public, the Observations are refused or left out', async () => {
    const id = WESTMINSTER_RESTRICTED.id
    const thing = await w.get(`/v1/sta/Things('${id}')`)
    expect(thing.json.properties.openData).toBe(false)
    const direct = await w.get(`/v1/sta/Datastreams('${id}:pm2_5')/Observations`)
    expect(direct.status).toBe(403)
    expect(direct.json.code).toBe('IOT_REGISTER_DATA_NOT_OPEN')
    expect((await w.get(`/v1/sta/FeaturesOfInterest('${id}')/Observations`)).status).toBe(403)
    const t = w.seeded.restricted[0]!.time
    expect((await w.get(`/v1/sta/Observations('${id}:pm2_5@${t}')`)).status).toBe(403)
    const expanded = await w.get(`/v1/sta/Datastreams('${id}:pm2_5')?$expand=Observations`)
    expect(expanded.json.Observations).toEqual([])
    const everything = await w.get(`/v1/sta/Observations?$filter=Datastream/Thing/@iot.id eq '${id}'&$count=true`)
    expect(everything.json['@iot.count']).toBe(0)
    const all = await w.get('/v1/sta/Observations?$top=1000')
    expect(all.text).not.toContain(id)
  })
})
