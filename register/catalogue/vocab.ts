/**
 * The vocabularies of the DCAT-AP catalogue: the JSON-LD @context (prefixes only, so every term in
 * the document is a plain compact IRI) and the nodes from the EU controlled vocabularies (file
 * types, data themes, frequencies, language) and IANA media types it refers to, typed as the
 * DCAT-AP 3.0 shapes require.
 */
export const CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  dcatap: 'http://data.europa.eu/r5r/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  spdx: 'http://spdx.org/rdf/terms#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  locn: 'http://www.w3.org/ns/locn#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
} as const

export type Node = { '@id': string; '@type'?: string | string[] } & Record<string, unknown>

export const ref = (id: string) => ({ '@id': id })
export const en = (text: string) => ({ '@value': text, '@language': 'en' })
export const dateTime = (iso: string) => ({ '@value': iso, '@type': 'xsd:dateTime' })
export const date = (iso: string) => ({ '@value': iso.slice(0, 10), '@type': 'xsd:date' })

const EU = 'http://publications.europa.eu/resource/authority/'
const IANA = 'http://www.iana.org/assignments/media-types/'

export const FILE_TYPE = {
  CSV: `${EU}file-type/CSV`,
  JSON: `${EU}file-type/JSON`,
  JSON_LD: `${EU}file-type/JSON_LD`,
  GEOJSON: `${EU}file-type/GEOJSON`,
  PARQUET: `${EU}file-type/PARQUET`,
  GZIP: `${EU}file-type/GZIP`,
} as const
export const MEDIA_TYPE = {
  csv: `${IANA}text/csv`,
  json: `${IANA}application/json`,
  ldjson: `${IANA}application/ld+json`,
  geojson: `${IANA}application/geo+json`,
  sse: `${IANA}text/event-stream`,
  gzip: `${IANA}application/gzip`,
  parquet: `${IANA}application/vnd.apache.parquet`,
} as const
export const THEME = { ENVI: `${EU}data-theme/ENVI`, TRAN: `${EU}data-theme/TRAN` } as const
export const FREQUENCY = { CONT: `${EU}frequency/CONT`, MONTHLY: `${EU}frequency/MONTHLY` } as const
export const ENGLISH = `${EU}language/ENG`
export const THEME_SCHEME = `${EU}data-theme`

const LABELS: Record<string, string> = {
  [THEME.ENVI]: 'Environment',
  [THEME.TRAN]: 'Transport',
  [FREQUENCY.CONT]: 'continuous',
  [FREQUENCY.MONTHLY]: 'monthly',
}

/** The vocabulary nodes the catalogue uses, each with the type (and label) the shapes check. */
export function vocabularyNodes(): Node[] {
  const typed = (ids: readonly string[], type: string): Node[] => ids.map((id) => ({ '@id': id, '@type': type }))
  return [
    ...typed(Object.values(FILE_TYPE), 'dct:MediaTypeOrExtent'),
    ...typed(Object.values(MEDIA_TYPE), 'dct:MediaType'),
    ...Object.values(THEME).map((id) => ({
      '@id': id,
      '@type': 'skos:Concept',
      'skos:prefLabel': en(LABELS[id]!),
      'skos:inScheme': ref(THEME_SCHEME),
    })),
    { '@id': THEME_SCHEME, '@type': 'skos:ConceptScheme', 'dct:title': en('Data theme') },
    ...Object.values(FREQUENCY).map((id) => ({
      '@id': id,
      '@type': 'dct:Frequency',
      'skos:prefLabel': en(LABELS[id]!),
    })),
    { '@id': ENGLISH, '@type': 'dct:LinguisticSystem' },
  ]
}
