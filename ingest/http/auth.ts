/** Credentials from HTTP headers: device tokens (Bearer + X-Sensor, or Basic) and operator Basic auth. */
import type { FastifyRequest } from 'fastify'
import { StreetsenseError } from '../../core/index.js'
import type { OperatorAccount, SensorDirectory } from '../directory/sensor-directory.js'

export function basicCredentials(req: FastifyRequest): { username: string; password: string } | undefined {
  const header = req.headers.authorization
  if (!header?.startsWith('Basic ')) return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) return undefined
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

const unauthorized = () =>
  new StreetsenseError(
    'IOT_INGEST_UNAUTHORIZED',
    'a device token is required: Authorization: Bearer <password> with X-Sensor, or Basic',
  )

/**
 * The sensor a request speaks for. `mapSensor` turns the X-Sensor header into a register id
 * (identity for /v1/readings; `sc-<chipid>` for Sensor.Community).
 */
export async function authenticateDevice(
  req: FastifyRequest,
  directory: SensorDirectory,
  mapSensor: (header: string) => string = (h) => h,
): Promise<string> {
  const header = req.headers.authorization ?? ''
  const xSensor = typeof req.headers['x-sensor'] === 'string' ? mapSensor(req.headers['x-sensor']) : undefined
  let sensor: string | undefined
  let password: string | undefined
  if (header.startsWith('Bearer ')) {
    sensor = xSensor
    password = header.slice(7).trim()
  } else {
    const basic = basicCredentials(req)
    if (basic) {
      sensor = basic.username === req.headers['x-sensor'] && xSensor ? xSensor : basic.username
      password = basic.password
      if (xSensor !== undefined && xSensor !== sensor) {
        throw new StreetsenseError(
          'IOT_INGEST_FORBIDDEN',
          'X-Sensor names another sensor than the credentials',
          'x-sensor',
        )
      }
    }
  }
  if (!sensor || !password) throw unauthorized()
  if (!(await directory.verifyDevice(sensor, password))) throw unauthorized()
  return sensor
}

/** An admin account (Basic auth) for operator endpoints. */
export async function authenticateOperator(req: FastifyRequest, directory: SensorDirectory): Promise<OperatorAccount> {
  const basic = basicCredentials(req)
  if (!basic) throw new StreetsenseError('IOT_INGEST_UNAUTHORIZED', 'Basic auth of an admin account required')
  const account = await directory.verifyAccount(basic.username, basic.password)
  if (!account) throw new StreetsenseError('IOT_INGEST_UNAUTHORIZED', 'unknown account or wrong password')
  if (account.role !== 'admin') throw new StreetsenseError('IOT_INGEST_FORBIDDEN', 'an admin account is required')
  return account
}
