/**
 * Schemas of the governance admin routes (routes-governance.ts). Agreement and DPIA bodies are
 * checked field by field by the registry (registry/governance-checks.ts), which names the field
 * at fault; the schemas here give their shape to the OpenAPI document.
 */
import type { JSONSchema } from 'json-schema-to-ts'
import { BOROUGH, SENSOR_ID, TIME } from './route-schemas.js'

const DAY = { type: 'string', format: 'date', description: 'YYYY-MM-DD (UTC)' } as const
const REFERENCE = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' } as const

export const referenceParams = {
  type: 'object',
  required: ['reference'],
  properties: { reference: REFERENCE },
} as const satisfies JSONSchema

export const agreementBody = {
  type: 'object',
  description: 'A data-sharing agreement (the registry checks every field)',
  required: ['reference', 'borough', 'partners', 'purpose', 'starts', 'review'],
  properties: {
    reference: REFERENCE,
    borough: { ...BOROUGH, description: 'The borough whose sensors it shares' },
    partners: { type: 'array', items: BOROUGH, description: 'Boroughs whose accounts may read the data' },
    purpose: { type: 'string', maxLength: 1000 },
    sensors: {
      type: 'array',
      items: SENSOR_ID,
      description: 'Sensors covered; absent: every shared sensor of the borough',
    },
    starts: DAY,
    review: DAY,
    ends: { ...DAY, description: 'Last day in force (inclusive); absent: until ended' },
  },
} as const satisfies JSONSchema

export const dpiaBody = {
  type: 'object',
  description: 'A DPIA record (the registry checks every field)',
  required: ['reference', 'borough', 'title', 'purpose', 'url', 'sensors', 'approved', 'review'],
  properties: {
    reference: REFERENCE,
    borough: BOROUGH,
    title: { type: 'string', maxLength: 200 },
    purpose: { type: 'string', maxLength: 1000 },
    url: { type: 'string', description: 'Where the published DPIA is (http or https)' },
    sensors: { type: 'array', items: SENSOR_ID },
    approved: DAY,
    review: DAY,
  },
} as const satisfies JSONSchema

/** Unknown fields are refused by the route (Fastify would drop them silently). */
export const eraseBody = {
  type: 'object',
  required: ['reason'],
  properties: {
    from: { ...TIME, description: 'Start of the range (inclusive); absent: from the first reading' },
    to: { ...TIME, description: 'End of the range (exclusive); absent: now' },
    reason: { type: 'string', minLength: 1, maxLength: 500, description: 'Why (kept in the audit trail)' },
  },
} as const satisfies JSONSchema

export const governanceListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sensor: SENSOR_ID,
    overdue: { type: 'boolean', description: 'Only records whose review date has passed' },
  },
} as const satisfies JSONSchema

export const erasuresQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sensor: SENSOR_ID,
    status: { type: 'string', enum: ['pending', 'running', 'done', 'failed'] },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const satisfies JSONSchema

export const erasureParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1 } },
} as const satisfies JSONSchema

export const reviewsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    within_days: {
      type: 'integer',
      minimum: 0,
      maximum: 3660,
      default: 30,
      description: 'Also list reviews due within this many days (overdue ones are always listed)',
    },
  },
} as const satisfies JSONSchema
