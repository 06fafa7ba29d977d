/** One DCAT-AP Dataset (London, or a borough) with its Distributions and the nodes they refer to. */
import type { RegisterEntry } from '../../schemas/index.js'
import type { ArchiveFile } from '../archive/index-file.js'
import { date, dateTime, en, FILE_TYPE, FREQUENCY, MEDIA_TYPE, type Node, ref, THEME } from './vocab.js'

export interface Scope {
  key: string
  name: string
  borough?: string
  spatial: string
  entries: { entry: RegisterEntry; createdAt: string; updatedAt: string }[]
  archives: ArchiveFile[]
}

interface DatasetArgs {
  base: string
  scope: Scope
  publisher: string
  licence: string
}

interface Dist {
  slug: string
  title: string
  description: string
  access: string
  format: string
  mediaType?: string
  extra?: Record<string, unknown>
}

function distributions(base: string, scope: Scope): Dist[] {
  const b = scope.borough
  const q = (params: Record<string, string>) => {
    const s = new URLSearchParams({ ...(b ? { borough: b } : {}), ...params }).toString()
    return s ? `?${s}` : ''
  }
  const bulk = (format: string, fileType: string, mediaType?: string): Dist => ({
    slug: `bulk-${format}`,
    title: `Bulk history (${format.toUpperCase()})`,
    description: `Every reading, or 15-minute, hourly and daily aggregates, paged by cursor (GET /v1/readings, format=${format}).`,
    access: `${base}/v1/readings${q({ format })}`,
    format: fileType,
    ...(mediaType ? { mediaType } : {}),
  })
  const sta = `${base}/v1/sta/Things${b ? `?$filter=${encodeURIComponent(`properties/borough eq '${b}'`)}` : ''}`
  return [
    bulk('json', FILE_TYPE.JSON, MEDIA_TYPE.json),
    bulk('ndjson', FILE_TYPE.JSON),
    bulk('csv', FILE_TYPE.CSV, MEDIA_TYPE.csv),
    {
      slug: 'live',
      title: 'Live feed (Server-Sent Events)',
      description: 'New readings as they arrive, one JSON reading per event; reconnect with Last-Event-ID.',
      access: `${base}/v1/live${q({})}`,
      format: FILE_TYPE.JSON,
      mediaType: MEDIA_TYPE.sse,
    },
    {
      slug: 'register',
      title: 'The register of sensors (CSV)',
      description: 'Every sensor: where it is, what it measures, who runs it, its licence and sharing.',
      access: `${base}/v1/sensors${q({ format: 'csv' })}`,
      format: FILE_TYPE.CSV,
      mediaType: MEDIA_TYPE.csv,
    },
    {
      slug: 'sensorthings',
      title: 'OGC SensorThings API 1.1',
      description: 'Things, Datastreams and Observations, with $filter, $expand and paging.',
      access: sta,
      format: FILE_TYPE.JSON,
      mediaType: MEDIA_TYPE.json,
      extra: {
        'dct:conformsTo': ref('http://www.opengis.net/doc/is/sensorthings/1.1'),
        'dcat:accessService': ref(`${base}/v1/catalogue/services/sensorthings`),
      },
    },
    // The FIWARE export is per borough: London-wide has none.
    ...(b ? [fiwareDistribution(`${base}/v1/export/fiware${q({ options: 'normalized' })}`)] : []),
  ]
}

function fiwareDistribution(access: string): Dist {
  return {
    slug: 'fiware',
    title: 'FIWARE Smart Data Models (NGSI-LD)',
    description:
      'AirQualityObserved and TrafficFlowObserved entities of the newest readings, normalized with unitCode.',
    access,
    format: FILE_TYPE.JSON_LD,
    mediaType: MEDIA_TYPE.ldjson,
    extra: { 'dct:conformsTo': ref('https://smartdatamodels.org/') },
  }
}

function archiveDistribution(base: string, datasetId: string, f: ArchiveFile, licence: string): Node {
  const url = `${base}/archives/${f.file}`
  const [y, m] = f.month.split('-').map(Number) as [number, number]
  const end = new Date(Date.UTC(y, m, 0)).toISOString()
  return {
    '@id': `${datasetId}/distributions/archive-${f.month}-${f.format}`,
    '@type': 'dcat:Distribution',
    'dct:title': en(`Archive ${f.month} (${f.format === 'csv' ? 'CSV, gzipped' : 'Parquet'})`),
    'dct:description': en(`Every reading of ${f.month}: ${f.rows} readings of ${f.sensors.length} sensors.`),
    'dcat:accessURL': ref(url),
    'dcat:downloadURL': ref(url),
    'dct:format': ref(f.format === 'csv' ? FILE_TYPE.CSV : FILE_TYPE.PARQUET),
    'dcat:mediaType': ref(f.format === 'csv' ? MEDIA_TYPE.csv : MEDIA_TYPE.parquet),
    ...(f.format === 'csv' ? { 'dcat:compressFormat': ref(MEDIA_TYPE.gzip) } : {}),
    'dcat:byteSize': { '@value': String(f.bytes), '@type': 'xsd:nonNegativeInteger' },
    'spdx:checksum': {
      '@type': 'spdx:Checksum',
      'spdx:algorithm': ref('http://spdx.org/rdf/terms#checksumAlgorithm_sha256'),
      'spdx:checksumValue': { '@value': f.sha256, '@type': 'xsd:hexBinary' },
    },
    'dct:temporal': { '@type': 'dct:PeriodOfTime', 'dcat:startDate': date(`${f.month}-01`), 'dcat:endDate': date(end) },
    'dct:issued': dateTime(f.generated),
    'dct:license': ref(licence),
  }
}

export function datasetNode({ base, scope, publisher, licence }: DatasetArgs): { dataset: Node; nodes: Node[] } {
  const id = `${base}/v1/catalogue/datasets/${scope.key}`
  const kinds = new Set(scope.entries.map((r) => r.entry.kind))
  const operator = scope.entries[0]?.entry.operator
  const contact: Node = {
    '@id': `${id}/contact`,
    '@type': 'vcard:Kind',
    'vcard:fn': scope.borough && operator ? operator.name : 'London street sensor register',
    ...(scope.borough && operator?.email ? { 'vcard:hasEmail': ref(`mailto:${operator.email}`) } : {}),
    'vcard:hasURL': ref(`${base}/`),
  }
  const dists: Node[] = distributions(base, scope).map((d) => ({
    '@id': `${id}/distributions/${d.slug}`,
    '@type': 'dcat:Distribution',
    'dct:title': en(d.title),
    'dct:description': en(d.description),
    'dcat:accessURL': ref(d.access),
    'dct:format': ref(d.format),
    ...(d.mediaType ? { 'dcat:mediaType': ref(d.mediaType) } : {}),
    'dct:license': ref(licence),
    'dcat:accessService': ref(`${base}/v1/catalogue/services/open-data-api`),
    ...d.extra,
  }))
  dists.push(...scope.archives.map((f) => archiveDistribution(base, id, f, licence)))
  const landingUrl = `${base}/${scope.borough ? `?borough=${scope.borough}` : ''}`
  const first = scope.entries.map((r) => r.entry.installed ?? r.createdAt).sort()[0]
  const dataset: Node = {
    '@id': id,
    '@type': 'dcat:Dataset',
    'dct:identifier': `streetsense-${scope.key}`,
    'dct:title': en(`Street sensor readings: ${scope.name}`),
    'dct:description': en(
      `Air quality and traffic readings of the ${scope.entries.length} open street sensor(s) in ${scope.name}: each reading, aggregates, a live feed and monthly archives.`,
    ),
    'dcat:keyword': ['air quality', 'traffic', 'sensors', scope.name].map(en),
    'dcat:theme': [...(kinds.has('air') ? [ref(THEME.ENVI)] : []), ...(kinds.has('traffic') ? [ref(THEME.TRAN)] : [])],
    'dct:publisher': ref(publisher),
    'dcat:contactPoint': ref(contact['@id']),
    'dct:spatial': ref(scope.spatial),
    ...(first ? { 'dct:temporal': { '@type': 'dct:PeriodOfTime', 'dcat:startDate': date(first) } } : {}),
    'dct:accrualPeriodicity': ref(FREQUENCY.CONT),
    'dcat:landingPage': ref(landingUrl),
    'dcat:distribution': dists.map((d) => ref(d['@id'])),
  }
  const location: Node = { '@id': scope.spatial, '@type': 'dct:Location', 'skos:prefLabel': en(scope.name) }
  const landing: Node = { '@id': landingUrl, '@type': 'foaf:Document' }
  return { dataset, nodes: [...dists, contact, location, landing] }
}
