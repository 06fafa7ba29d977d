/**
 * The open data catalogue as DCAT-AP 3.0 in JSON-LD: a Catalogue of one Dataset for London and one
 * per borough with open sensors, each with its Distributions (bulk history in JSON, NDJSON and CSV,
 * the live feed, the register, FIWARE NGSI-LD, SensorThings, and every monthly archive file with
 * its size and SHA-256), and the Data Services behind them. A CKAN with ckanext-dcat (or the
 * London Datastore) harvests it from /v1/catalogue or /catalog.jsonld.
 */
import type { RegisterEntry } from '../../schemas/index.js'
import { boroughName } from '../../schemas/index.js'
import type { ArchiveFile } from '../archive/index-file.js'
import { licenceInfo } from '../mappings.js'
import { datasetNode, type Scope } from './datasets.js'
import { CONTEXT, dateTime, ENGLISH, en, type Node, ref, THEME_SCHEME, vocabularyNodes } from './vocab.js'

export interface CatalogueInput {
  base: string
  /** The register entries whose readings the caller may read. */
  entries: { entry: RegisterEntry; createdAt: string; updatedAt: string }[]
  /** The archive files that may be served. */
  archives: ArchiveFile[]
  publisher: string
}

const LONDON = 'http://statistics.data.gov.uk/id/statistical-geography/E12000007'
const geography = (code: string) => `http://statistics.data.gov.uk/id/statistical-geography/${code}`

function scopes(input: CatalogueInput): Scope[] {
  const boroughs = [...new Set(input.entries.map((r) => r.entry.borough))].sort()
  const london: Scope = { key: 'london', name: 'London', spatial: LONDON, entries: input.entries, archives: [] }
  return [
    london,
    ...boroughs.map((b) => ({
      key: b,
      name: boroughName(b) ?? b,
      borough: b,
      spatial: geography(b),
      entries: input.entries.filter((r) => r.entry.borough === b),
      archives: input.archives.filter((f) => f.borough === b),
    })),
  ]
}

function services(base: string, datasets: string[], publisher: string, licence: string): Node[] {
  const common = {
    'dct:publisher': ref(publisher),
    'dct:license': ref(licence),
    'dcat:servesDataset': datasets.map(ref),
  }
  return [
    {
      '@id': `${base}/v1/catalogue/services/open-data-api`,
      '@type': 'dcat:DataService',
      'dct:title': en('London street sensors open data API'),
      'dct:description': en(
        'Register, latest readings, bulk history, live feed (Server-Sent Events), archives, FIWARE export.',
      ),
      'dcat:endpointURL': ref(`${base}/v1/`),
      'dcat:endpointDescription': ref(`${base}/docs/json`),
      ...common,
    },
    {
      '@id': `${base}/v1/catalogue/services/sensorthings`,
      '@type': 'dcat:DataService',
      'dct:title': en('OGC SensorThings API 1.1 (read)'),
      'dct:description': en('Things, Locations, Datastreams and Observations of the open sensors.'),
      'dcat:endpointURL': ref(`${base}/v1/sta`),
      'dcat:endpointDescription': ref(`${base}/v1/sta`),
      'dct:conformsTo': ref('http://www.opengis.net/doc/is/sensorthings/1.1'),
      ...common,
    },
  ]
}

function agents(input: CatalogueInput, publisher: string, licence: string): Node[] {
  return [
    { '@id': publisher, '@type': 'foaf:Agent', 'foaf:name': en(input.publisher) },
    { '@id': licence, '@type': 'dct:LicenseDocument', 'dct:title': en(licenceInfo().name) },
    { '@id': 'http://www.opengis.net/doc/is/sensorthings/1.1', '@type': 'dct:Standard' },
    { '@id': 'https://smartdatamodels.org/', '@type': 'dct:Standard' },
    { '@id': 'http://spdx.org/rdf/terms#checksumAlgorithm_sha256', '@type': 'spdx:ChecksumAlgorithm' },
    { '@id': `${input.base}/`, '@type': 'foaf:Document' },
  ]
}

export function dcatCatalogue(input: CatalogueInput): { '@context': typeof CONTEXT; '@graph': Node[] } {
  const { base } = input
  const publisher = `${base}/v1/catalogue/publisher`
  const licence = licenceInfo().url
  const built = scopes(input).map((scope) => datasetNode({ base, scope, publisher, licence }))
  const datasetIds = built.map((b) => b.dataset['@id'])
  const modified =
    input.entries
      .map((r) => r.updatedAt)
      .sort()
      .at(-1) ?? '1970-01-01T00:00:00Z'
  const catalog: Node = {
    '@id': `${base}/v1/catalogue`,
    '@type': 'dcat:Catalog',
    'dct:title': en('London street sensor register: open data'),
    'dct:description': en(
      "Readings of the air quality and traffic sensors in London's streets whose data is open, per borough and London-wide.",
    ),
    'dct:publisher': ref(publisher),
    'foaf:homepage': ref(`${base}/`),
    'dct:language': ref(ENGLISH),
    'dct:license': ref(licence),
    'dct:modified': dateTime(new Date(modified).toISOString()),
    'dct:spatial': ref(LONDON),
    'dcat:themeTaxonomy': ref(THEME_SCHEME),
    'dcat:dataset': datasetIds.map(ref),
    'dcat:service': [
      ref(`${base}/v1/catalogue/services/open-data-api`),
      ref(`${base}/v1/catalogue/services/sensorthings`),
    ],
  }
  const graph = [
    catalog,
    ...built.flatMap((b) => [b.dataset, ...b.nodes]),
    ...services(base, datasetIds, publisher, licence),
    ...agents(input, publisher, licence),
    ...vocabularyNodes(),
  ]
  return { '@context': CONTEXT, '@graph': [...graph, ...webResources(graph)] }
}

const URL_PROPERTIES = ['dcat:accessURL', 'dcat:downloadURL', 'dcat:endpointURL', 'dcat:endpointDescription']

/** The URLs the catalogue links to, as the rdfs:Resource nodes the DCAT-AP shapes ask them to be. */
function webResources(graph: Node[]): Node[] {
  const urls = new Set<string>()
  for (const node of graph) {
    for (const p of URL_PROPERTIES) {
      const value = node[p] as { '@id'?: string } | undefined
      if (value?.['@id']) urls.add(value['@id'])
    }
  }
  return [...urls].map((id) => ({ '@id': id, '@type': 'rdfs:Resource' }))
}
