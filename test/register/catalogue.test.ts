/**
 * Flow test: the DCAT-AP catalogue of a register on a real influxd with built archives. The
 * JSON-LD is expanded to RDF (jsonld) and validated against the official DCAT-AP 3.0 SHACL shapes
 * (test/fixtures/dcat-ap/, CC BY 4.0), which hold the required classes and properties: a
 * Catalogue with title, description and publisher, Datasets with title and description,
 * Distributions with an access URL, Data Services with title and endpoint URL, Agents with a name,
 * Checksums with algorithm and value, and the class of every value they refer to.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import rdf from '@zazuko/env'
import jsonld from 'jsonld'
import { Parser } from 'n3'
import SHACLValidator from 'rdf-validate-shacl'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildArchives } from '../../register/archive/build.js'
import { readArchiveIndex } from '../../register/archive/index-file.js'
import { qualityJudge } from '../../register/bulk/status.js'
import { createInfluxStreamer } from '../../register/influx-stream.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { BULK_ENTRIES, bulkReadings, CAMDEN, HACKNEY, writeBulk } from './bulk-fixtures.js'
import { type RegisterApp, startRegisterApp } from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON-LD under test
type Json = any

const DB = 'streetsense'
const SHAPES = new URL('../fixtures/dcat-ap/dcat-ap-SHACL.ttl', import.meta.url)
const WESTMINSTER = 'E09000033'
let influx: InfluxServer
let reg: RegisterApp
let doc: Json

const DCAT = 'http://www.w3.org/ns/dcat#'
const DCT = 'http://purl.org/dc/terms/'

async function quadsOf(json: Json) {
  const nquads = (await jsonld.toRDF(json, { format: 'application/n-quads' })) as unknown as string
  return rdf.dataset(new Parser({ format: 'N-Quads' }).parse(nquads))
}

beforeAll(async () => {
  influx = await startInfluxd()
  await influx.createDatabase(DB)
  await writeBulk(influx, DB, bulkReadings())
  reg = await startRegisterApp(influx, DB, {
    seedRegister: false,
    prepare: async (_r, dataDir) => ({ archivesDir: join(dataDir, 'archives') }),
  })
  for (const e of BULK_ENTRIES) reg.registry.addSensor(e, 'test')
  reg.registry.addSensor({ ...BULK_ENTRIES[4]!, id: 'westminster-closed', borough: WESTMINSTER }, 'test')
  await buildArchives({
    entries: reg.registry.listSensors().map((r) => r.entry),
    influx: createInfluxStreamer({ url: influx.url, db: DB }),
    dir: join(reg.dataDir, 'archives'),
    month: '2026-11',
    boroughs: [CAMDEN, HACKNEY],
    formats: ['csv', 'parquet'],
    now: Date.UTC(2026, 11, 10),
    judge: qualityJudge(reg.registry).judge,
  })
  const res = await fetch(`${reg.url}/v1/catalogue`)
  expect(res.headers.get('content-type')).toMatch(/^application\/ld\+json/)
  doc = await res.json()
}, 120_000)

afterAll(async () => {
  await reg?.close()
  await influx?.stop()
})

describe('GET /v1/catalogue (DCAT-AP 3.0, JSON-LD)', () => {
  it('conforms to the DCAT-AP 3.0 SHACL shapes', async () => {
    const shapes = rdf.dataset(new Parser({ format: 'Turtle' }).parse(readFileSync(SHAPES, 'utf8')))
    const validator = new SHACLValidator(shapes, { factory: rdf })
    const report = await validator.validate(await quadsOf(doc))
    const problems = report.results.map(
      (r) => `${r.focusNode?.value} ${r.path?.value}: ${r.message.map((m) => m.value)}`,
    )
    expect(problems).toEqual([])
    expect(report.conforms).toBe(true)
    // The shapes do find what is missing: a catalogue without its title does not conform.
    const untitled = {
      ...doc,
      '@graph': doc['@graph'].map((n: Json) => (n['@type'] === 'dcat:Catalog' ? { ...n, 'dct:title': undefined } : n)),
    }
    expect((await validator.validate(await quadsOf(untitled))).conforms).toBe(false)
  }, 60_000)

  it('has a dataset for London and each borough with open sensors, none for the others', async () => {
    const data = await quadsOf(doc)
    const typed = (cls: string) =>
      [...data.match(null, rdf.namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type'), rdf.namedNode(cls))].map(
        (q) => q.subject.value,
      )
    const datasets = typed(`${DCAT}Dataset`)
      .map((id) => id.split('/').at(-1))
      .sort()
    expect(datasets).toEqual([CAMDEN, HACKNEY, 'london'].sort())
    expect(typed(`${DCAT}Catalog`)).toEqual([`${reg.url}/v1/catalogue`])
    expect(typed(`${DCAT}DataService`)).toHaveLength(2)
    const camden = `${reg.url}/v1/catalogue/datasets/${CAMDEN}`
    const access = [...data.match(null, rdf.namedNode(`${DCAT}accessURL`), null)].map((q) => q.object.value)
    for (const path of ['/v1/readings?borough=', '/v1/live?borough=', '/v1/export/fiware?borough=', '/v1/sta/Things']) {
      expect(
        access.some((u) => u.includes(path)),
        path,
      ).toBe(true)
    }
    const dists = [...data.match(rdf.namedNode(camden), rdf.namedNode(`${DCAT}distribution`), null)]
    expect(dists.length).toBeGreaterThanOrEqual(9)
    expect(JSON.stringify(doc)).not.toContain(WESTMINSTER)
  })

  it('describes each archive file with its download URL, size and SHA-256', async () => {
    const data = await quadsOf(doc)
    for (const f of readArchiveIndex(join(reg.dataDir, 'archives'))) {
      const url = `${reg.url}/archives/${f.file}`
      const [dist] = [...data.match(null, rdf.namedNode(`${DCAT}downloadURL`), rdf.namedNode(url))]
      expect(dist, f.file).toBeDefined()
      const size = [...data.match(dist!.subject, rdf.namedNode(`${DCAT}byteSize`), null)][0]?.object.value
      expect(Number(size)).toBe(f.bytes)
      const checksum = [...data.match(dist!.subject, rdf.namedNode('http://spdx.org/rdf/terms#checksum'), null)][0]!
      const value = [
        ...data.match(checksum.object as never, rdf.namedNode('http://spdx.org/rdf/terms#checksumValue'), null),
      ]
      expect(value[0]?.object.value).toBe(f.sha256)
      const temporal = [...data.match(dist!.subject, rdf.namedNode(`${DCT}temporal`), null)]
      expect(temporal).toHaveLength(1)
    }
  })

  it('is also at /catalog.jsonld, and refuses unknown parameters', async () => {
    expect(await (await fetch(`${reg.url}/catalog.jsonld`)).json()).toEqual(doc)
    const bad = await fetch(`${reg.url}/v1/catalogue?format=rdf`)
    expect(bad.status).toBe(400)
  })
})
