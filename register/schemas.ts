/** JSON schemas of the routes' parameters (they also feed the OpenAPI document at /docs). */
// Brings in @fastify/swagger's route schema fields (tags, summary, hide) for the type checker.
import type {} from '@fastify/swagger'
export const SENSOR_ID = {
  type: 'string',
  pattern: '^[A-Za-z0-9._:-]{1,64}$',
  description: 'Register id of the sensor',
}
export const BOROUGH = {
  type: 'string',
  pattern: '^E090000(0[1-9]|[12][0-9]|3[0-3])$',
  description: 'ONS/GSS borough code, E09000001..E09000033',
}
export const KIND = { type: 'string', enum: ['air', 'traffic'] }
export const STATUS = { type: 'string', enum: ['planned', 'active', 'maintenance', 'retired'] }
export const TIME = { type: 'string', description: 'RFC 3339 UTC time or YYYY-MM-DD' }

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: SENSOR_ID },
} as const

export const sensorsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    borough: BOROUGH,
    kind: KIND,
    status: STATUS,
    bbox: { type: 'string', description: 'minLon,minLat,maxLon,maxLat (WGS84)' },
    format: { type: 'string', enum: ['json', 'geojson', 'csv'] },
  },
} as const

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
  },
} as const

export const latestQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { borough: BOROUGH, kind: KIND },
} as const

export const exportFiwareQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['borough'],
  properties: { borough: BOROUGH, at: TIME },
} as const

export const exportCsvQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['borough'],
  properties: { borough: BOROUGH, date: { type: 'string', description: 'UTC day, YYYY-MM-DD (default today)' } },
} as const

export const staQuery = {
  type: 'object',
  properties: {
    $top: { type: 'integer', minimum: 1, maximum: 1000 },
    $skip: { type: 'integer', minimum: 0 },
    $count: { type: 'boolean' },
  },
} as const
