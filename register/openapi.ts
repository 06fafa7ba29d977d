/**
 * How the register's /docs groups its routes: data users first (the register and readings, then
 * many sensors at once, the catalogue, data quality, exports and standards), the admin API last.
 * Device intake is the ingest's, on its own port and its own /docs.
 */
export const OPENAPI_TAGS = [
  {
    name: 'open data',
    description:
      'Start here. The register of sensors and their readings, free to use under the Open Government Licence: ' +
      'GET /v1/sensors?borough=Camden, GET /v1/sensors/{id}/readings?every=1h, GET /v1/latest.',
  },
  {
    name: 'bulk and live',
    description:
      'Many sensors at once: bulk history (GET /v1/readings, paged, JSON/NDJSON/CSV), the live feed ' +
      '(GET /v1/live, Server-Sent Events) and monthly archive files with checksums.',
  },
  {
    name: 'catalogue',
    description: 'DCAT-AP metadata of the datasets, for data portals (CKAN, the London Datastore).',
  },
  {
    name: 'data quality',
    description: 'How readings are checked: the automated QC flags, periods an operator ratified, calibrations.',
  },
  { name: 'exports', description: 'FIWARE Smart Data Models (NGSI-LD) and a daily CSV per borough.' },
  { name: 'sensorthings', description: 'OGC SensorThings API 1.1 (read): Things, Datastreams, Observations.' },
  { name: 'admin', description: 'For borough administrators: add, change and retire sensors; the audit log.' },
]
