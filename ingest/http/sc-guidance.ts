/**
 * What a Sensor.Community (airrohr) node that is not configured for this intake is told. The
 * firmware writes an answer's body to its debug log ("Details: ..."), so the body says what to
 * set in the node's configuration page: its default custom API path (/data.php) and the
 * Sensor.Community API path get a 404 naming the right one, a node without credentials a 401
 * naming the user it must send.
 */
import type { FastifyInstance } from 'fastify'
import { StreetsenseError } from '../../core/index.js'
import { errorBodySchema } from './readings-routes.js'

const SENSOR_ID = /^[A-Za-z0-9._:-]{1,64}$/

const SETTINGS =
  'In the node\'s configuration page, under "APIs", tick "Send data to own API" and set Server to this ' +
  'host, Path to /v1/sensor-community, Port to the port you reached (tick HTTPS when it is served over TLS), ' +
  'User to sc-<chip id> and Password to the password issued when the sensor was registered ' +
  '(streetsense sensors add, or sensors import for many). See docs/ingest.md.'

/** The register id a node's X-Sensor header stands for, when it is a possible id. */
function nodeId(xSensor: string | undefined): string {
  const id = xSensor ? `sc-${xSensor.replace(/^(esp8266|esp32|raspi)-/i, '')}` : ''
  return SENSOR_ID.test(id) ? id : 'sc-<chip id>'
}

export function scCredentialsMissing(xSensor: string | undefined): StreetsenseError {
  const id = nodeId(xSensor)
  return new StreetsenseError(
    'IOT_INGEST_UNAUTHORIZED',
    `this node sent no user and password. Register it as ${id}, then in its configuration under "APIs" > ` +
      `"Send data to own API" set User to ${id} and Password to the password issued at registration.`,
    'authorization',
  )
}

export function scCredentialsRefused(xSensor: string | undefined): StreetsenseError {
  const id = nodeId(xSensor)
  return new StreetsenseError(
    'IOT_INGEST_UNAUTHORIZED',
    `user and password not accepted for ${id}: the node's "Send data to own API" User must be ${id} ` +
      '(or its X-Sensor name) and Password the password issued when it was registered; a retired sensor cannot send.',
    'authorization',
  )
}

function wrongPath(path: string): StreetsenseError {
  return new StreetsenseError(
    'IOT_INGEST_WRONG_PATH',
    `${path} is not this intake's path: Sensor.Community nodes post to /v1/sensor-community. ${SETTINGS}`,
    'path',
  )
}

/** The airrohr's default custom API path and the Sensor.Community API's path answer with guidance. */
export function registerScGuidance(app: FastifyInstance): void {
  for (const path of ['/data.php', '/v1/push-sensor-data', '/v1/push-sensor-data/']) {
    app.route({
      method: ['GET', 'POST'],
      url: path,
      schema: { hide: true, response: { 404: errorBodySchema } },
      handler: async () => {
        throw wrongPath(path)
      },
    })
  }
}
