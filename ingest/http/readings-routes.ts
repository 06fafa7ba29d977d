/**
 * POST /v1/readings: a Reading or a ReadingBatch from a device, with the MQTT path's checks and
 * guarantee (202 only once the readings are durable in the spool).
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { StreetsenseError } from '../../core/index.js'
import type { Rejected } from '../accept/check-message.js'
import { REJECT_TO_INGEST_CODE } from '../accept/check-message.js'
import type { Pipeline } from '../accept/pipeline.js'
import type { SensorDirectory } from '../directory/sensor-directory.js'
import type { Spool } from '../spool/spool.js'
import { authenticateDevice } from './auth.js'
import type { DeviceRate } from './device-rate.js'

export interface ReadingsRouteDeps {
  pipeline: Pipeline
  directory: SensorDirectory
  spool: Spool
  rate: DeviceRate
  maxPayloadBytes: number
}

export const errorBodySchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    field: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, message: { type: 'string' }, keyword: { type: 'string' } },
      },
    },
  },
} as const

export const acceptedBodySchema = {
  type: 'object',
  properties: { accepted: { type: 'integer' }, suspect: { type: 'integer' }, sensor: { type: 'string' } },
} as const

/** A 400 body naming the failing field, with the stable code. */
export function sendRejected(reply: FastifyReply, r: Rejected): FastifyReply {
  const code = REJECT_TO_INGEST_CODE[r.code]
  return reply.code(code === 'IOT_INGEST_TOO_LARGE' ? 413 : 400).send({
    code,
    message: r.reason,
    ...(r.errors?.[0] ? { field: r.errors[0].path } : {}),
    ...(r.errors ? { errors: r.errors } : {}),
  })
}

export function kindOf(value: unknown): 'air' | 'traffic' {
  const first =
    value && typeof value === 'object' && Array.isArray((value as { readings?: unknown }).readings)
      ? (value as { readings: unknown[] }).readings[0]
      : value
  return first && typeof first === 'object' && (first as { kind?: unknown }).kind === 'traffic' ? 'traffic' : 'air'
}

export async function readingsRoutes(app: FastifyInstance, deps: ReadingsRouteDeps): Promise<void> {
  // The raw bytes are kept: they go to the quarantine as they arrived.
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: deps.maxPayloadBytes },
    (_req, body, done) => done(null, body),
  )
  app.post(
    '/v1/readings',
    {
      schema: {
        summary: 'Submit a reading or a batch of readings (schemas reading.v1.json / batch.v1.json)',
        tags: ['ingest'],
        headers: { type: 'object', properties: { 'x-sensor': { type: 'string' } } },
        response: {
          202: acceptedBodySchema,
          400: errorBodySchema,
          401: errorBodySchema,
          429: errorBodySchema,
          503: errorBodySchema,
        },
      },
    },
    async (req, reply) => {
      const sensor = await authenticateDevice(req, deps.directory)
      deps.rate.admit(sensor, reply)
      if (deps.spool.isFull()) {
        throw new StreetsenseError('IOT_INGEST_SPOOL_FULL', 'the ingest spool is full; retry later')
      }
      const raw = req.body as Buffer
      let value: unknown
      try {
        value = JSON.parse(raw.toString('utf8'))
      } catch {
        value = undefined // checkMessage reports it with the parser's message
      }
      const info = deps.directory.lookup(sensor)
      const expected = { sensor, borough: info?.borough ?? '', channel: kindOf(value) }
      const result = await deps.pipeline.submit(expected, raw, `http:/v1/readings`)
      if (!result.ok) return sendRejected(reply, result)
      return reply.code(202).send({ accepted: result.count, suspect: result.suspect, sensor })
    },
  )
}
