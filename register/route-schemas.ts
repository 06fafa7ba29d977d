/**
 * JSON schemas of the routes' parameters, written `as const` so that the JSON-schema type provider
 * (api-context.ts) types each handler's query and params from the schema that validates them.
 * They also feed the OpenAPI document at /docs.
 */
// Brings in @fastify/swagger's route schema fields (tags, summary, hide) for the type checker.
import type {} from '@fastify/swagger'
import type { JSONSchema } from 'json-schema-to-ts'

const SENSOR_ID_PATTERN = '^[A-Za-z0-9._:-]{1,64}$'

export const SENSOR_ID = {
  type: 'string',
  pattern: SENSOR_ID_PATTERN,
  description: 'Register id of the sensor',
} as const satisfies JSONSchema
/** Names become codes before validation (resolveBoroughQuery in params.ts, a hook on every route). */
export const BOROUGH = {
  type: 'string',
  maxLength: 64,
  description:
    'Borough: ONS/GSS code (E09000007) or name, in any case ("Camden", "City of London", "Kensington & Chelsea"); GET /v1/boroughs lists them',
} as const satisfies JSONSchema
export const KIND = { type: 'string', enum: ['air', 'traffic'] } as const satisfies JSONSchema
export const STATUS = {
  type: 'string',
  enum: ['planned', 'active', 'maintenance', 'retired'],
} as const satisfies JSONSchema
export const TIME = {
  type: 'string',
  description: 'RFC 3339 UTC time or YYYY-MM-DD',
  examples: ['2026-11-01'],
} as const satisfies JSONSchema

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: SENSOR_ID },
} as const satisfies JSONSchema

export const sensorsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    borough: BOROUGH,
    kind: KIND,
    status: STATUS,
    bbox: { type: 'string', description: 'minLon,minLat,maxLon,maxLat (WGS84)' },
    format: { type: 'string', enum: ['json', 'geojson', 'csv'] },
    limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'Sensors per page (default 100)' },
    page: { type: 'integer', minimum: 1, maximum: 1000000, description: 'Page number, from 1' },
  },
} as const satisfies JSONSchema

export const readingsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: TIME,
    to: TIME,
    every: { type: 'string', enum: ['raw', '15m', '1h', '1d'], default: '1h' },
    limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
    cursor: { type: 'string', maxLength: 200 },
    format: { type: 'string', enum: ['json', 'csv'] },
    status: {
      type: 'string',
      enum: ['raw', 'provisional', 'ratified'],
      description:
        'Only readings (or periods) of this status: raw (not checked), provisional (checked by automated QC), ratified (reviewed by an operator)',
    },
    version: {
      type: 'integer',
      minimum: 1,
      description: 'Ratifications up to this version only: the data as it stood after that version',
    },
  },
} as const satisfies JSONSchema

export const latestQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    borough: BOROUGH,
    kind: KIND,
    within: {
      type: 'string',
      enum: ['1h', '24h', '7d'],
      default: '24h',
      description: 'How recent a reading must be for its sensor to count as reporting',
    },
  },
} as const satisfies JSONSchema

export const exportFiwareQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['borough'],
  properties: {
    borough: BOROUGH,
    at: TIME,
    options: { type: 'string', enum: ['keyValues', 'simplified', 'normalized'], description: 'NGSI-LD representation' },
    format: { type: 'string', enum: ['keyValues', 'simplified', 'normalized'], description: 'NGSI-LD representation' },
  },
} as const satisfies JSONSchema

export const exportCsvQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['borough'],
  properties: { borough: BOROUGH, date: { type: 'string', description: 'UTC day, YYYY-MM-DD (default today)' } },
} as const satisfies JSONSchema

/** The rest of the path after /v1/sta/ (Things('id')/Datastreams, ...). */
export const staPathParams = {
  type: 'object',
  required: ['*'],
  properties: { '*': { type: 'string' } },
} as const satisfies JSONSchema

/** SensorThings query options, as text: register/sta/query-options.ts parses them with errors naming each. */
export const staQuery = {
  type: 'object',
  properties: {
    $filter: { type: 'string', description: 'e.g. result gt 20 and phenomenonTime ge 2026-11-01T00:00:00Z' },
    $expand: { type: 'string', description: 'e.g. Datastreams($select=name;$expand=ObservedProperty)' },
    $select: { type: 'string', description: 'e.g. name,description' },
    $orderby: { type: 'string', description: 'e.g. phenomenonTime desc' },
    $top: { type: 'string', description: 'page size, default 100, at most 1000' },
    $skip: { type: 'string' },
    $count: { type: 'string', description: 'true or false' },
    $skiptoken: { type: 'string', description: 'from an @iot.nextLink of Observations' },
  },
} as const satisfies JSONSchema

export const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sensor: { type: 'string', pattern: SENSOR_ID_PATTERN },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const satisfies JSONSchema

/** A command for a device (the admin API's body); the registry checks the command and its args. */
export const commandBody = {
  type: 'object',
  additionalProperties: false,
  required: ['command'],
  properties: {
    command: { type: 'string', maxLength: 32, description: 'set_interval | resend | status | update | config' },
    args: {
      type: 'object',
      description:
        'set_interval: { interval } (seconds); resend: { from, to } (seq); status: none; update: { manifest, signature, url } (rollouts send these); config: { document, signature } (streetsense devices config signs them)',
      maxProperties: 20,
      default: {},
    },
    expires_in: {
      type: 'integer',
      minimum: 1,
      maximum: 604800,
      default: 3600,
      description: 'Seconds until the device must refuse it (a command queued for an offline device)',
    },
  },
} as const satisfies JSONSchema

export const commandsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: ['queued', 'sent', 'expired', 'cancelled'] },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
  },
} as const satisfies JSONSchema

/** The register page's filter form: empty values mean "all". */
export const indexPageQuery = {
  type: 'object',
  properties: {
    borough: { type: 'string', maxLength: 64 },
    kind: { type: 'string', enum: ['', 'air', 'traffic'] },
    q: { type: 'string', maxLength: 100 },
    page: { type: 'integer', minimum: 1, maximum: 1000000 },
  },
} as const satisfies JSONSchema

export const assetParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' } },
} as const satisfies JSONSchema

const DECISION = {
  type: 'object',
  additionalProperties: false,
  required: ['action', 'fields', 'from', 'to', 'reason'],
  properties: {
    action: { type: 'string', enum: ['exclude', 'accept'] },
    fields: { type: 'array', minItems: 1, maxItems: 30, items: { type: 'string', maxLength: 48 } },
    from: TIME,
    to: TIME,
    reason: { type: 'string', minLength: 1, maxLength: 500 },
  },
} as const satisfies JSONSchema

export const ratificationBody = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to'],
  properties: {
    from: TIME,
    to: TIME,
    note: { type: 'string', maxLength: 2000 },
    decisions: { type: 'array', maxItems: 200, items: DECISION },
  },
} as const satisfies JSONSchema

export const calibrationBody = {
  type: 'object',
  additionalProperties: false,
  required: ['field', 'reference', 'from', 'to'],
  properties: {
    field: { type: 'string', enum: ['pm2_5', 'pm10', 'no2', 'o3'] },
    reference: SENSOR_ID,
    from: TIME,
    to: TIME,
    covariates: {
      type: 'array',
      maxItems: 2,
      uniqueItems: true,
      items: { type: 'string', enum: ['relative_humidity', 'temperature'] },
    },
    valid_from: TIME,
    valid_to: TIME,
    note: { type: 'string', maxLength: 2000 },
  },
} as const satisfies JSONSchema
