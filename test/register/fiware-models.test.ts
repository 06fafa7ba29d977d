/**
 * Flow test: the FIWARE export, from a real influxd, against the Smart Data Models themselves
 * (test/fixtures/smart-data-models): every entity, keyValues and normalized, validates against the
 * model's JSON Schema (ajv, 2020-12), uses only terms of the model's @context, and writes NGSI-LD
 * normalized attributes as the models' own normalized examples do, with UN/CEFACT unit codes.
 */
import { readFileSync } from 'node:fs'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import * as formatsModule from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import {
  bodyOf,
  CAMDEN_AIR,
  HACKNEY_TRAFFIC,
  type RegisterApp,
  type Seeded,
  seedInflux,
  startRegisterApp,
} from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies under test
type Json = any

const fixture = (p: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/smart-data-models/${p}`, import.meta.url), 'utf8')) as Json

const MODELS = {
  AirQualityObserved: { domain: 'dataModel.Environment', dir: 'dataModel.Environment/AirQualityObserved' },
  TrafficFlowObserved: { domain: 'dataModel.Transportation', dir: 'dataModel.Transportation/TrafficFlowObserved' },
} as const
type Model = keyof typeof MODELS

/** Terms the NGSI-LD core @context defines (ETSI GS CIM 009, Annex B), used by every entity. */
const CORE_TERMS = new Set(['id', 'type', 'location', 'observedAt', 'unitCode', 'value', 'object'])

function validators(): Record<Model, ValidateFunction> {
  type Plugin = (ajv: Ajv2020) => Ajv2020
  const addFormats = ((formatsModule as unknown as { default?: Plugin }).default ?? formatsModule) as unknown as Plugin
  // The models carry their own keywords (x-ngsi, modelTags, $schemaVersion): not strict.
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats(ajv)
  ajv.addSchema(fixture('data-models/common-schema.json'))
  // AirQualityObserved refers to the Environment schema by its raw GitHub address, not its $id.
  const env = fixture('dataModel.Environment/Environment-schema.json')
  ajv.addSchema({
    ...env,
    $id: 'https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/Environment-schema.json',
  })
  return {
    AirQualityObserved: ajv.compile(fixture(`${MODELS.AirQualityObserved.dir}/schema.json`)),
    TrafficFlowObserved: ajv.compile(fixture(`${MODELS.TrafficFlowObserved.dir}/schema.json`)),
  }
}

/** A normalized entity read back as keyValues: each attribute's value, object, or DateTime @value. */
function toKeyValues(e: Json): Json {
  const out: Json = {}
  for (const [k, v] of Object.entries<Json>(e)) {
    if (k === 'id' || k === 'type' || k === '@context') out[k] = v
    else if (v.type === 'Relationship') out[k] = v.object
    else out[k] = v.value?.['@type'] === 'DateTime' ? v.value['@value'] : v.value
  }
  return out
}

let influx: InfluxServer
let reg: RegisterApp
let seeded: Seeded
let validate: Record<Model, ValidateFunction>

const get = async (path: string, accept?: string) => {
  const res = await fetch(`${reg.url}${path}`, accept ? { headers: { accept } } : undefined)
  const { json } = await bodyOf(res)
  return { res, json: json as Json }
}
const exported = async (borough: string, query = '') =>
  (await get(`/v1/export/fiware?borough=${borough}${query}`)).json as Json[]

beforeAll(async () => {
  validate = validators()
  influx = await startInfluxd()
  const now0 = Math.floor(Date.now() / 60_000) * 60_000
  seeded = await seedInflux(influx, 'streetsense', now0)
  reg = await startRegisterApp(influx, 'streetsense', { now: () => now0 + 30_000 })
})
afterAll(async () => {
  await reg?.close()
  await influx?.stop()
})

describe('the Smart Data Models fixtures', () => {
  it('validate the models\u2019 own examples (all but a date without a time zone upstream)', () => {
    expect(validate.TrafficFlowObserved(fixture(`${MODELS.TrafficFlowObserved.dir}/examples/example.jsonld`))).toBe(
      true,
    )
    const aqo = fixture(`${MODELS.AirQualityObserved.dir}/examples/example.jsonld`)
    expect(validate.AirQualityObserved(aqo)).toBe(false)
    expect(validate.AirQualityObserved.errors?.map((e) => e.instancePath)).toEqual(['/dateObserved'])
    expect(validate.AirQualityObserved({ ...aqo, dateObserved: `${aqo.dateObserved}Z` })).toBe(true)
  })
})

describe('GET /v1/export/fiware against the models', () => {
  it('gives entities that validate against the model schemas, keyValues and normalized', async () => {
    for (const borough of [CAMDEN_AIR.borough, HACKNEY_TRAFFIC.borough]) {
      const keyValues = await exported(borough)
      const normalized = await exported(borough, '&options=normalized')
      expect(keyValues.length, borough).toBeGreaterThan(0)
      expect(normalized.map((e) => e.id)).toEqual(keyValues.map((e) => e.id))
      for (const [i, e] of keyValues.entries()) {
        const model = e.type as Model
        expect(validate[model](e), `${e.id} ${JSON.stringify(validate[model].errors)}`).toBe(true)
        const back = toKeyValues(normalized[i])
        expect(validate[model](back), `${e.id} normalized ${JSON.stringify(validate[model].errors)}`).toBe(true)
        expect(back).toEqual(e)
      }
    }
  })

  it('uses only terms of the model\u2019s @context (and the NGSI-LD core), typeofLocation as the model spells it', async () => {
    const entities = [
      ...(await exported(CAMDEN_AIR.borough, '&format=normalized')),
      ...(await exported(HACKNEY_TRAFFIC.borough, '&format=normalized')),
    ]
    for (const e of entities) {
      const terms = new Set(Object.keys(fixture(`${MODELS[e.type as Model].domain}/context.jsonld`)['@context']))
      for (const [name, attr] of Object.entries<Json>(e)) {
        if (name === '@context') continue
        expect(terms.has(name) || CORE_TERMS.has(name), `${e.type}.${name}`).toBe(true)
        if (typeof attr !== 'object') continue
        for (const k of Object.keys(attr)) expect(CORE_TERMS.has(k), `${e.type}.${name}.${k}`).toBe(true)
        if (name === 'address') for (const k of Object.keys(attr.value)) expect(terms.has(k), `address.${k}`).toBe(true)
      }
      expect(e['@context']).toContain(
        `https://raw.githubusercontent.com/smart-data-models/${MODELS[e.type as Model].domain}/master/context.jsonld`,
      )
    }
    const aqo = entities.find((e) => e.type === 'AirQualityObserved')
    expect(aqo.typeofLocation).toEqual({ type: 'Property', value: 'outdoor' })
    expect(aqo.typeOfLocation).toBeUndefined()
  })

  it('writes normalized attributes as the models\u2019 normalized examples do, with unitCode and observedAt', async () => {
    const [aqo] = (await exported(CAMDEN_AIR.borough, '&options=normalized')).filter(
      (e) => e.type === 'AirQualityObserved',
    )
    const newest = seeded.air[0]!
    const at = new Date(newest.time).toISOString()
    expect(aqo.pm25).toEqual({ type: 'Property', value: newest.values.pm2_5, unitCode: 'GQ', observedAt: at })
    expect(aqo.no2).toMatchObject({ value: newest.values.no2, unitCode: 'GQ' })
    expect(aqo.temperature).toMatchObject({ value: newest.values.temperature, unitCode: 'CEL' })
    expect(aqo.pressure).toMatchObject({ value: newest.values.pressure, unitCode: 'A97' })
    expect(aqo.relativeHumidity.value).toBeCloseTo(newest.values.relative_humidity! / 100, 6)
    expect(aqo.relativeHumidity.unitCode).toBe('C62')
    expect(aqo.location).toEqual({ type: 'GeoProperty', value: CAMDEN_AIR.location })
    expect(aqo.refDevice).toEqual({ type: 'Relationship', object: `urn:ngsi-ld:Device:${CAMDEN_AIR.id}` })
    expect(aqo.dateObserved).toEqual({ type: 'Property', value: { '@type': 'DateTime', '@value': at } })
    const example = fixture(`${MODELS.AirQualityObserved.dir}/examples/example-normalized.jsonld`)
    for (const name of Object.keys(aqo)) {
      if (example[name] && name !== '@context' && name !== 'id' && name !== 'type') {
        expect(aqo[name].type, name).toBe(example[name].type)
      }
    }
    const traffic = await exported(HACKNEY_TRAFFIC.borough, '&format=normalized')
    const lane1 = traffic.find((e) => e.laneId?.value === 1 && !e.vehicleType)
    const t0 = seeded.traffic.find((s) => s.lane === '1')!
    expect(lane1.intensity).toMatchObject({ value: t0.values.total_vehicles, unitCode: 'C62' })
    expect(lane1.averageVehicleSpeed).toMatchObject({ value: t0.values.mean_speed, unitCode: 'KMH' })
    expect(lane1.refRoadSegment).toEqual({
      type: 'Relationship',
      object: `urn:ngsi-ld:RoadSegment:usrn:${HACKNEY_TRAFFIC.usrn}`,
    })
    const tfoExample = fixture(`${MODELS.TrafficFlowObserved.dir}/examples/example-normalized.jsonld`)
    expect(lane1.dateObservedFrom.value).toEqual({ '@type': 'DateTime', '@value': new Date(t0.time).toISOString() })
    expect(Object.keys(lane1.dateObservedFrom.value)).toEqual(Object.keys(tfoExample.dateObservedFrom.value))
    expect(lane1.v85).toBeUndefined()
  })

  it('moves the @context to a Link header for Accept: application/json, as NGSI-LD does', async () => {
    const { res, json } = await get(`/v1/export/fiware?borough=${CAMDEN_AIR.borough}`, 'application/json')
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(json[0]['@context']).toBeUndefined()
    const link = /<([^>]+)>; rel="http:\/\/www\.w3\.org\/ns\/json-ld#context"/.exec(res.headers.get('link') ?? '')
    expect(link).not.toBeNull()
    expect(res.headers.get('link')).toMatch(/rel="license"/)
    const context = await get(link![1]!.replace(reg.url, ''))
    expect(context.res.headers.get('content-type')).toMatch(/^application\/ld\+json/)
    expect(context.json['@context']).toContain('https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld')
  })

  it('refuses a representation it does not have, or two that contradict, naming the parameter', async () => {
    const concise = await get(`/v1/export/fiware?borough=${CAMDEN_AIR.borough}&format=concise`)
    expect(concise.res.status).toBe(400)
    expect(concise.json.field).toBe('format')
    expect(concise.json.message).toMatch(/keyValues, simplified, normalized/)
    const both = await get(`/v1/export/fiware?borough=${CAMDEN_AIR.borough}&options=keyValues&format=normalized`)
    expect(both.res.status).toBe(400)
    expect(both.json.message).toMatch(/contradicts/)
    expect(await exported('E09000033', '&options=normalized')).toEqual([])
  })
})
