/**
 * Parameter schemas of the routes that serve many sensors at once: bulk history, the live feed and
 * the monthly archives (route-schemas.ts has the others and the shared pieces).
 */
import type { JSONSchema } from 'json-schema-to-ts'
import { BOROUGH, KIND, TIME } from './route-schemas.js'

/** Which sensors: the filters bulk history and the live feed share. */
const SENSOR_SET = {
  borough: BOROUGH,
  kind: KIND,
  sensor: { type: 'string', maxLength: 6600, description: 'Sensor ids, comma-separated (at most 100)' },
} as const

/** GET /v1/readings: bulk history of every open sensor matching (docs/api.md, "Bulk history"). */
export const bulkQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...SENSOR_SET,
    bbox: {
      type: 'string',
      description: 'minLon,minLat,maxLon,maxLat (WGS84): sensors located inside',
      examples: ['-0.15,51.51,-0.12,51.55'],
    },
    from: TIME,
    to: TIME,
    every: { type: 'string', enum: ['raw', '15m', '1h', '1d'], default: 'raw' },
    status: {
      type: 'string',
      enum: ['raw', 'provisional', 'ratified'],
      description: 'Only readings of this data status (raw readings only)',
    },
    limit: { type: 'integer', minimum: 1, maximum: 50000, default: 1000, description: 'Readings per page' },
    cursor: { type: 'string', maxLength: 200, description: "The previous page's X-Next-Cursor" },
    format: { type: 'string', enum: ['json', 'ndjson', 'csv'] },
  },
} as const satisfies JSONSchema

export const archivesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    borough: BOROUGH,
    month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' },
  },
} as const satisfies JSONSchema

export const archiveParams = {
  type: 'object',
  required: ['borough', 'file'],
  properties: {
    borough: { type: 'string', pattern: '^E090000(0[1-9]|[12][0-9]|3[0-3])$' },
    file: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])\\.(csv\\.gz|parquet)$' },
  },
} as const satisfies JSONSchema

/** GET /v1/live: which new readings to send. */
export const liveQuery = {
  type: 'object',
  additionalProperties: false,
  properties: SENSOR_SET,
} as const satisfies JSONSchema
