/**
 * POST /v1/sensor-community: Sensor.Community (airrohr) nodes, in the firmware's custom API format
 * (one body with every sensor's values, full value_type names) or the Sensor.Community API format
 * (one body per sensor, prefixes stripped, the sensor family in X-PIN). Headers X-Sensor
 * (`esp8266-<chipid>`) and Basic auth: the node is registered as `sc-<chipid>`. The values are
 * mapped onto the shared schema (sc-value-types.ts) and then take the same path as any reading;
 * a body nothing of which can be stored is refused and quarantined with the reason.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { StreetsenseError } from '../../core/index.js'
import type { Reading } from '../../schemas/index.js'
import type { Expected, RejectCode } from '../accept/check-message.js'
import { REJECT_TO_INGEST_CODE } from '../accept/check-message.js'
import type { Pipeline } from '../accept/pipeline.js'
import type { SensorDirectory } from '../directory/sensor-directory.js'
import type { IngestMetrics } from '../metrics.js'
import type { Spool } from '../spool/spool.js'
import type { SensorStats } from '../stats/sensor-stats.js'
import { authenticateDevice } from './auth.js'
import type { DeviceRate } from './device-rate.js'
import { errorBodySchema, sendRejected } from './readings-routes.js'
import { ScClock } from './sc-clock.js'
import { registerScGuidance, scCredentialsMissing, scCredentialsRefused } from './sc-guidance.js'
import { mapScBody, nothingStored, type ScMapped, ScRefusal } from './sc-mapping.js'

export interface ScDeps {
  pipeline: Pipeline
  directory: SensorDirectory
  spool: Spool
  stats: SensorStats
  metrics: IngestMetrics
  rate: DeviceRate
  logger: { warn(obj: object, msg: string): void }
  /** The interval recorded when the body does not say (Sensor.Community API format). */
  intervalSeconds: number
}

const SOURCE = 'http:/v1/sensor-community'
/** The "schema" a refused airrohr body was checked against (quarantine and device error). */
export const SC_FORMAT = 'airrohr sensordatavalues (docs/schema.md)'

const notStoredSchema = {
  type: 'array',
  items: { type: 'object', properties: { value_type: { type: 'string' }, reason: { type: 'string' } } },
} as const

const scAcceptedSchema = {
  type: 'object',
  properties: {
    accepted: { type: 'integer' },
    suspect: { type: 'integer' },
    sensor: { type: 'string' },
    time: { type: 'string' },
    interval: { type: 'integer' },
    not_stored: notStoredSchema,
    unknown: { type: 'array', items: { type: 'string' } },
  },
} as const

/** `esp8266-12345678` (or `esp32-…`, or the bare chip id) -> `sc-12345678`. */
export function scSensorId(xSensor: string): string {
  return `sc-${xSensor.replace(/^(esp8266|esp32|raspi)-/i, '')}`
}

export async function sensorCommunityRoutes(app: FastifyInstance, deps: ScDeps): Promise<void> {
  const clock = new ScClock(deps.stats)
  const warned = new Set<string>()
  app.post(
    '/v1/sensor-community',
    {
      schema: {
        summary:
          'Sensor.Community (airrohr) custom API or Sensor.Community API body; X-Sensor esp8266-<chipid> is register id sc-<chipid>',
        tags: ['ingest'],
        headers: {
          type: 'object',
          required: ['x-sensor'],
          properties: { 'x-sensor': { type: 'string' }, 'x-pin': { type: 'string' } },
        },
        response: {
          200: scAcceptedSchema,
          400: errorBodySchema,
          401: errorBodySchema,
          429: errorBodySchema,
          503: errorBodySchema,
        },
      },
    },
    (req, reply) => intake(req, reply, deps, { clock, warned }),
  )
  registerScGuidance(app)
}

async function authenticateNode(req: FastifyRequest, directory: SensorDirectory): Promise<string> {
  const xSensor = String(req.headers['x-sensor'])
  if (!req.headers.authorization) throw scCredentialsMissing(xSensor)
  try {
    return await authenticateDevice(req, directory, scSensorId)
  } catch (err) {
    if (err instanceof StreetsenseError && err.code === 'IOT_INGEST_UNAUTHORIZED') throw scCredentialsRefused(xSensor)
    throw err
  }
}

async function intake(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: ScDeps,
  state: { clock: ScClock; warned: Set<string> },
) {
  const sensor = await authenticateNode(req, deps.directory)
  deps.rate.admit(sensor, reply)
  if (deps.spool.isFull()) throw new StreetsenseError('IOT_INGEST_SPOOL_FULL', 'the ingest spool is full; retry later')
  const arrival = Date.now()
  const raw = req.body as Buffer
  const expected: Expected = { sensor, borough: deps.directory.lookup(sensor)?.borough ?? '', channel: 'air' }
  let mapped: ScMapped
  try {
    mapped = mapBody(raw, req.headers)
  } catch (err) {
    if (!(err instanceof ScRefusal)) throw err
    return refuse(reply, deps.pipeline, expected, raw, err)
  }
  reportNotStored(deps, state.warned, sensor, mapped)
  const interval = mapped.intervalSeconds ?? deps.intervalSeconds
  // The firmware sends no time: its values average the interval that ended as it sent them.
  const { seq, timeMs } = state.clock.next(sensor, arrival - interval * 1000)
  const reading: Reading = {
    sensor,
    borough: expected.borough,
    kind: 'air',
    time: new Date(timeMs).toISOString(),
    interval,
    seq,
    values: mapped.values,
    quality: { grade: 'citizen', status: 'raw' },
  }
  const result = await deps.pipeline.submit(expected, JSON.stringify(reading), SOURCE, raw)
  if (!result.ok) return sendRejected(reply, result)
  return reply.code(200).send({
    accepted: result.count,
    suspect: result.suspect,
    sensor,
    time: reading.time,
    interval,
    not_stored: mapped.notStored,
    unknown: mapped.unknown,
  })
}

/** Parses and maps the body; every refusal is an ScRefusal (its code chosen by refuse()). */
function mapBody(raw: Buffer, headers: FastifyRequest['headers']): ScMapped {
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch (err) {
    throw new ScRefusal(`not JSON: ${(err as Error).message}`, '/')
  }
  checkChipId(body, String(headers['x-sensor']))
  const pinHeader = headers['x-pin']
  const pin = typeof pinHeader === 'string' && pinHeader.trim() !== '0' ? pinHeader.trim() : undefined
  const mapped = mapScBody(body, pin)
  if (Object.keys(mapped.values).length === 0) throw nothingStored(mapped)
  return mapped
}

/** The custom API body names the chip (`esp8266id`); it must be the one X-Sensor names. */
function checkChipId(body: unknown, xSensor: string): void {
  const id = (body as { esp8266id?: unknown } | null)?.esp8266id
  if (id === undefined || scSensorId(String(id)) === scSensorId(xSensor)) return
  throw new ScRefusal(`esp8266id ${JSON.stringify(id)} is not the chip X-Sensor names (${xSensor})`, '/esp8266id')
}

function refuseCode(r: ScRefusal): RejectCode {
  if (r.field === '/') return 'READING_NOT_JSON'
  return r.field === '/esp8266id' ? 'READING_TOPIC_MISMATCH' : 'READING_INVALID'
}

/** A 400 with the reason, after the body went to the quarantine (counted like any refusal). */
function refuse(reply: FastifyReply, pipeline: Pipeline, expected: Expected, raw: Buffer, r: ScRefusal) {
  const code = refuseCode(r)
  const errors = [{ path: r.field, message: r.message, keyword: 'sensor-community' }]
  pipeline.refuse(expected, raw, SOURCE, { ok: false, code, reason: r.message, schema: SC_FORMAT, errors })
  return reply.code(400).send({ code: REJECT_TO_INGEST_CODE[code], message: r.message, field: r.field, errors })
}

/** Values not stored are answered in the body, counted per sensor, and logged once per value type. */
function reportNotStored(deps: ScDeps, warned: Set<string>, sensor: string, mapped: ScMapped): void {
  if (mapped.notStored.length > 0) deps.metrics.scNotStored.inc({ sensor, why: 'not_stored' }, mapped.notStored.length)
  if (mapped.unknown.length === 0) return
  deps.metrics.scNotStored.inc({ sensor, why: 'unknown_value_type' }, mapped.unknown.length)
  const fresh = mapped.unknown.filter((t) => !warned.has(`${sensor}\n${t}`))
  if (fresh.length === 0) return
  if (warned.size < 10_000) for (const t of fresh) warned.add(`${sensor}\n${t}`)
  deps.logger.warn({ sensor, unknown: fresh.slice(0, 20) }, 'Sensor.Community value types not known: not stored')
}
