/**
 * POST /v1/sensor-community: the airrohr firmware's "custom API" (Sensor.Community / luftdaten
 * nodes). Body `{ software_version, sensordatavalues: [{ value_type, value }] }`, headers
 * X-Sensor (`esp8266-<chipid>`) and X-Pin. The node is registered as `sc-<chipid>` and sends its
 * device password as Basic auth (airrohr's custom API user/password fields). Values are mapped
 * onto the shared schema and then take the same path as any reading.
 */
import type { FastifyInstance } from 'fastify'
import { StreetsenseError } from '../../core/index.js'
import type { AirValues, Reading } from '../../schemas/index.js'
import type { Pipeline } from '../accept/pipeline.js'
import type { SensorDirectory } from '../directory/sensor-directory.js'
import type { Spool } from '../spool/spool.js'
import type { SensorStats } from '../stats/sensor-stats.js'
import { authenticateDevice } from './auth.js'
import { acceptedBodySchema, errorBodySchema, sendRejected } from './readings-routes.js'

/** airrohr value_type -> our field, with a unit conversion where needed. */
export const SC_VALUE_MAP: Record<string, { field: keyof AirValues; scale?: number }> = {
  SDS_P1: { field: 'pm10' },
  SDS_P2: { field: 'pm2_5' },
  PMS_P0: { field: 'pm1' },
  PMS_P1: { field: 'pm10' },
  PMS_P2: { field: 'pm2_5' },
  BME280_temperature: { field: 'temperature' },
  BME280_humidity: { field: 'relative_humidity' },
  BME280_pressure: { field: 'pressure', scale: 0.01 }, // Pa -> hPa
  BMP280_temperature: { field: 'temperature' },
  BMP280_pressure: { field: 'pressure', scale: 0.01 },
  temperature: { field: 'temperature' },
  humidity: { field: 'relative_humidity' },
}

/** `esp8266-12345678` (or `esp32-…`, or the bare chip id) -> `sc-12345678`. */
export function scSensorId(xSensor: string): string {
  return `sc-${xSensor.replace(/^(esp8266|esp32|raspi)-/i, '')}`
}

export function mapSensorCommunity(body: unknown): { values: AirValues; ignored: string[] } {
  const list = (body as { sensordatavalues?: unknown })?.sensordatavalues
  if (!Array.isArray(list)) {
    throw new StreetsenseError('IOT_INGEST_INVALID', 'sensordatavalues must be an array', '/sensordatavalues')
  }
  const values: Record<string, number> = {}
  const ignored: string[] = []
  for (const [i, item] of list.entries()) {
    const { value_type: type, value } = (item ?? {}) as { value_type?: unknown; value?: unknown }
    const map = typeof type === 'string' ? SC_VALUE_MAP[type] : undefined
    if (!map) {
      ignored.push(String(type))
      continue
    }
    const n = typeof value === 'number' ? value : Number.parseFloat(String(value))
    if (!Number.isFinite(n)) {
      throw new StreetsenseError(
        'IOT_INGEST_INVALID',
        `${String(type)} is not a number`,
        `/sensordatavalues/${i}/value`,
      )
    }
    values[map.field] = Math.round(n * (map.scale ?? 1) * 1000) / 1000
  }
  if (Object.keys(values).length === 0) {
    throw new StreetsenseError('IOT_INGEST_INVALID', 'no known value_type in sensordatavalues', '/sensordatavalues')
  }
  return { values: values as AirValues, ignored }
}

export async function sensorCommunityRoutes(
  app: FastifyInstance,
  deps: { pipeline: Pipeline; directory: SensorDirectory; spool: Spool; stats: SensorStats; intervalSeconds: number },
): Promise<void> {
  const nextSeq = new Map<string, number>()
  app.post(
    '/v1/sensor-community',
    {
      schema: {
        summary: 'Sensor.Community (airrohr) custom API; X-Sensor esp8266-<chipid> is register id sc-<chipid>',
        tags: ['ingest'],
        headers: {
          type: 'object',
          required: ['x-sensor'],
          properties: { 'x-sensor': { type: 'string' }, 'x-pin': { type: 'string' } },
        },
        response: { 200: acceptedBodySchema, 400: errorBodySchema, 401: errorBodySchema, 503: errorBodySchema },
      },
    },
    async (req, reply) => {
      const sensor = await authenticateDevice(req, deps.directory, scSensorId)
      if (deps.spool.isFull())
        throw new StreetsenseError('IOT_INGEST_SPOOL_FULL', 'the ingest spool is full; retry later')
      const raw = req.body as Buffer
      let body: unknown
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch (err) {
        throw new StreetsenseError('IOT_INGEST_NOT_JSON', `not JSON: ${(err as Error).message}`, '/')
      }
      const { values } = mapSensorCommunity(body)
      // airrohr sends no sequence number: count on from the last one this ingest saw.
      const seq = nextSeq.get(sensor) ?? (deps.stats.get(sensor)?.lastSeq ?? 0) + 1
      nextSeq.set(sensor, seq + 1)
      const borough = deps.directory.lookup(sensor)?.borough ?? ''
      const reading = scReading(sensor, borough, seq, values, deps.intervalSeconds)
      const expected = { sensor, borough: reading.borough, channel: 'air' as const }
      const result = await deps.pipeline.submit(expected, JSON.stringify(reading), 'http:/v1/sensor-community', raw)
      if (!result.ok) return sendRejected(reply, result)
      return reply.code(200).send({ accepted: result.count, suspect: result.suspect, sensor })
    },
  )
}

/** A Sensor.Community node's values as a reading of the shared schema, timed to this second. */
function scReading(sensor: string, borough: string, seq: number, values: AirValues, interval: number): Reading {
  const now = new Date()
  now.setUTCMilliseconds(0)
  return {
    sensor,
    borough,
    kind: 'air',
    time: now.toISOString().replace('.000Z', 'Z'),
    interval,
    seq,
    values,
    quality: { grade: 'citizen', status: 'raw' },
  }
}
