/**
 * The one error registry of streetsense. Every error a stage raises on purpose carries a stable
 * code from this table; logs, HTTP bodies, MQTT error messages and the status heartbeat show it,
 * and callers match on `err.code`, not on classes. docs/errors.md lists every code (a test holds
 * the two together). A code, once published, is never reused for another meaning.
 */

interface CodeSpec {
  /** HTTP status when the error reaches an HTTP client (500 for errors that never should). */
  readonly status: number
  /** One line for docs/errors.md: what happened and what to do. */
  readonly summary: string
}

const spec = (status: number, summary: string): CodeSpec => ({ status, summary })

export const ERROR_CODES = {
  // Settings of every service (core/settings.ts)
  IOT_CONFIG_INVALID: spec(500, 'A setting (flag or STREETSENSE_* variable) is invalid; the message names the flag.'),
  IOT_USAGE: spec(400, 'A command was called with a missing or invalid option; the message names it.'),

  // Sensor registry (registry/)
  IOT_REGISTRY_INVALID_ENTRY: spec(400, 'A register entry or account breaks the schema; the field is named.'),
  IOT_REGISTRY_DUPLICATE: spec(409, 'A sensor or account with that id already exists.'),
  IOT_REGISTRY_NOT_FOUND: spec(404, 'No sensor or account with that id.'),
  IOT_REGISTRY_INVALID_RECORD: spec(
    400,
    'A ratification, calibration, rollout, data-sharing agreement, DPIA record or erasure request is invalid; the field is named.',
  ),

  // Edge agent (edge/)
  IOT_EDGE_CONFIG_INVALID: spec(400, 'The node config breaks its schema; the field is named.'),
  IOT_EDGE_CONFIG_UNREADABLE: spec(400, 'The node config file cannot be read or parsed.'),
  IOT_EDGE_SERIAL_OPEN: spec(500, 'A serial port could not be opened (wrong path, permissions, unplugged).'),
  IOT_EDGE_SERIAL_LOST: spec(500, 'A serial port went away while in use; the driver reopens it.'),
  IOT_EDGE_FRAME_CHECKSUM: spec(500, 'A sensor frame failed its checksum and was skipped.'),
  IOT_EDGE_FRAME_GARBAGE: spec(500, 'Bytes that are not a sensor frame were skipped.'),
  IOT_EDGE_SENSOR_FAULT: spec(500, 'A sensor reported a fault or an impossible value.'),
  IOT_EDGE_BOARD: spec(500, 'The Arduino board did not answer over Firmata, or went away.'),
  IOT_EDGE_I2C: spec(500, 'An I2C device did not answer or answered with the wrong chip id.'),
  IOT_EDGE_OUTBOX: spec(500, 'The SQLite outbox could not be opened or written.'),
  IOT_EDGE_MQTT: spec(500, 'The MQTT connection to the broker failed; the agent reconnects with backoff.'),
  IOT_EDGE_COMMAND_INVALID: spec(
    400,
    'A downlink command was malformed or its arguments invalid; the node refused it.',
  ),
  IOT_EDGE_COMMAND_UNSUPPORTED: spec(400, "A downlink command this node's agent does not know; it refused it."),
  IOT_EDGE_COMMAND_EXPIRED: spec(
    400,
    'A downlink command arrived after its expires_at (queued while the node was offline); the node refused it.',
  ),
  IOT_EDGE_FLASH: spec(500, 'Flashing an Arduino failed (no board, bad hex, verify mismatch).'),
  IOT_EDGE_PROVISION: spec(400, 'A node could not be provisioned from the given register output.'),
  IOT_EDGE_START_FAILED: spec(500, 'The edge agent could not start; the message says why.'),
  IOT_EDGE_UPDATE_KEY: spec(
    400,
    'A release signing key or public key is missing, unreadable, not Ed25519, or would be overwritten.',
  ),
  IOT_EDGE_UPDATE_REFUSED: spec(
    400,
    'A release was refused before install (signature, key, hash, length, expiry, version or kind); the message says which.',
  ),
  IOT_EDGE_UPDATE_FAILED: spec(
    500,
    'An installed release failed its health check or could not start; the node went back to the previous release.',
  ),
  IOT_EDGE_FIRMWARE_FAILED: spec(
    500,
    'A firmware release did not flash or the board did not report the expected name and version after retries.',
  ),
  IOT_EDGE_UPDATE_BUSY: spec(
    409,
    'An update command arrived while another update is in progress on the node; it was refused.',
  ),
  IOT_EDGE_UPDATE_DOWNLOAD: spec(
    502,
    "The node could not download a release's payload before the command expired (network, refused by the platform, too many bytes).",
  ),
  IOT_EDGE_CONFIG_REFUSED: spec(
    400,
    "A config command was refused: bad signature, another key, another sensor's, expired, not newer, or settings the node's config schema refuses.",
  ),
  IOT_EDGE_CONFIG_ROLLED_BACK: spec(
    500,
    'A new config failed its trial on the node (a driver gave no samples, the broker could not be reached); the last good config is back.',
  ),

  // Broker (broker/); the MQTT CONNACK return code is on the error as returnCode
  IOT_BROKER_CONNECTION_RATE: spec(429, 'Too many new connections from one address; retry later.'),
  IOT_BROKER_MAX_CONNECTIONS: spec(503, 'The broker holds its maximum number of connections.'),
  IOT_BROKER_LOGIN_THROTTLED: spec(429, 'Too many failed logins for this username from this address.'),
  IOT_BROKER_BAD_CREDENTIALS: spec(401, 'Unknown username or wrong password (CONNACK 4).'),
  IOT_BROKER_ACCOUNT_DISABLED: spec(403, 'The account is disabled or its sensor retired (CONNACK 5).'),
  IOT_BROKER_BAD_CLIENT_ID: spec(400, 'The client id is not the one this account must use (CONNACK 2).'),
  IOT_BROKER_PUBLISH_DENIED: spec(403, 'A publish to a topic this account may not use.'),
  IOT_BROKER_COMMAND_INVALID: spec(
    400,
    'A command on a cmd topic is not valid (schemas/command.v1.json), too large or retained; the connection is closed.',
  ),
  IOT_BROKER_COMMAND_DENIED: spec(
    403,
    'This account may not send that command to that device (role, borough, command, reused id); the connection is closed.',
  ),
  IOT_BROKER_QOS2_REFUSED: spec(400, 'A QoS 2 publish; the broker accepts QoS 0 and 1 only (connection closed).'),
  IOT_BROKER_PACKET_TOO_LARGE: spec(413, 'An MQTT packet larger than the broker accepts; the connection is closed.'),
  IOT_BROKER_REGISTRY_UNAVAILABLE: spec(503, 'The sensor registry could not be read while authenticating.'),
  IOT_BROKER_START_FAILED: spec(500, 'The broker could not start (port taken, TLS files, Redis).'),

  // Ingest (ingest/)
  IOT_INGEST_NOT_JSON: spec(400, 'A reading payload is not JSON; it was quarantined.'),
  IOT_INGEST_INVALID: spec(400, 'A reading breaks the schema; it was quarantined with the reason.'),
  IOT_INGEST_TOPIC_MISMATCH: spec(400, "A reading's sensor or borough differs from its topic or login."),
  IOT_INGEST_UNKNOWN_SENSOR: spec(400, 'A reading from a sensor the register does not know.'),
  IOT_INGEST_TOO_LARGE: spec(413, 'A request or message larger than the ingest accepts.'),
  IOT_INGEST_UNAUTHORIZED: spec(401, 'Device intake needs the sensor id and its password.'),
  IOT_INGEST_FORBIDDEN: spec(403, 'This account may not send readings for that sensor.'),
  IOT_INGEST_WRONG_PATH: spec(
    404,
    'A Sensor.Community node posts to a path that is not the intake; the body says what to configure.',
  ),
  IOT_INGEST_RATE_LIMITED: spec(429, 'A device sent more HTTP requests than its rate allows; retry after the header.'),
  IOT_INGEST_SPOOL_FULL: spec(503, 'The local spool is full (InfluxDB down for long); retry after the header.'),
  IOT_INGEST_INFLUX_REJECTED: spec(400, 'InfluxDB refused points as malformed; they were quarantined.'),
  IOT_INGEST_DELETE_FAILED: spec(
    500,
    'InfluxDB refused a retention or erasure delete (InfluxDB 3 cannot delete by sensor); the message says why.',
  ),
  IOT_INGEST_START_FAILED: spec(500, 'The ingest could not start (port taken, data dir, settings).'),
  IOT_INGEST_INTERNAL: spec(500, 'An unexpected ingest fault; the log has the details.'),
  IOT_INGEST_NOT_FOUND: spec(404, 'No such release, or no such file of it, in the release store.'),
  IOT_INGEST_COMMAND_REFUSED: spec(
    400,
    'The ingest will not send that command (unknown or retired sensor, outside its boroughs, not one it sends on its own, bad arguments); the field is named.',
  ),

  // Register, open data API and admin API (register/)
  IOT_REGISTER_BAD_PARAM: spec(
    400,
    'A query, path or body parameter is invalid; the field and allowed values are named.',
  ),
  IOT_REGISTER_INVALID_ENTRY: spec(400, 'A register entry sent to the admin API breaks the schema.'),
  IOT_REGISTER_UNAUTHORIZED: spec(401, 'The admin API needs an admin account.'),
  IOT_REGISTER_UNSUPPORTED_MEDIA_TYPE: spec(
    415,
    'A state-changing admin request must be JSON (Content-Type: application/json), never a plain form.',
  ),
  IOT_REGISTER_FORBIDDEN: spec(403, 'The account may not act on that sensor or borough.'),
  IOT_REGISTER_DATA_NOT_OPEN: spec(403, "The sensor's data is not open; the register entry says who to ask."),
  IOT_REGISTER_NO_ACCESS: spec(
    403,
    "The account's boroughs may not read this sensor's data (restricted, or no data-sharing agreement in force).",
  ),
  IOT_REGISTER_NOT_FOUND: spec(404, 'No such sensor, route or file.'),
  IOT_REGISTER_NOT_IMPLEMENTED: spec(
    501,
    'A SensorThings query option, function or path this service does not implement; the message names it.',
  ),
  IOT_REGISTER_DUPLICATE: spec(409, 'A sensor with that id already exists.'),
  IOT_REGISTER_SENSOR_RETIRED: spec(409, 'The sensor is retired: it takes no commands.'),
  IOT_REGISTER_ROLLOUT_STATE: spec(409, 'The rollout is not in a state that allows this (e.g. resuming a halted one).'),
  IOT_REGISTER_CALIBRATION_DATA: spec(
    422,
    'Too little co-located data to fit a calibration (or a singular fit); the message says how much there is.',
  ),
  IOT_REGISTER_RATE_LIMITED: spec(429, 'Too many requests from this client; retry after the header.'),
  IOT_REGISTER_INFLUX_UNAVAILABLE: spec(503, 'InfluxDB did not answer; try again shortly.'),
  IOT_REGISTER_LIVE_BUSY: spec(503, 'The live feed holds its most clients (or yours from one address); retry later.'),
  IOT_REGISTER_LIVE_UNAVAILABLE: spec(404, 'This server runs no live feed (started without --live-mqtt-url).'),
  IOT_REGISTER_INTERNAL: spec(500, 'An unexpected register fault; the log has the details.'),
  IOT_REGISTER_START_FAILED: spec(500, 'The register could not start (port taken, data dir, settings).'),

  // `streetsense up`
  IOT_UP_INFLUXD_MISSING: spec(500, 'influxd is not installed; install it or pass --influx-url.'),
  IOT_UP_PORT_IN_USE: spec(
    500,
    'A port `up` needs is taken (or privileged); the message names the option that moves it.',
  ),
  IOT_UP_INFLUXD_FAILED: spec(500, 'The local influxd did not start; the message has its cause, its log the rest.'),
} as const satisfies Record<string, CodeSpec>

export type ErrorCode = keyof typeof ERROR_CODES

export interface ErrorOptions {
  /** The setting, parameter or field at fault (a flag name, query parameter or JSON Pointer). */
  field?: string
  cause?: unknown
  /** MQTT CONNACK return code (2..5) for errors an Aedes authenticate hook hands back. */
  returnCode?: number
}

/** The one error class: a stable code, its HTTP status, and the field at fault when there is one. */
export class StreetsenseError extends Error {
  readonly statusCode: number
  readonly field?: string
  /** Read by Aedes' authenticate handler: becomes the CONNACK return code. */
  readonly returnCode?: number
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: ErrorOptions | string = {},
  ) {
    const opts = typeof options === 'string' ? { field: options } : options
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'StreetsenseError'
    this.statusCode = ERROR_CODES[code].status
    if (opts.field !== undefined) this.field = opts.field
    if (opts.returnCode !== undefined) this.returnCode = opts.returnCode
  }
}

/** True when `err` carries the given code (works for errors from other copies of this module). */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code
}

/** The body of every HTTP error response of every streetsense service. */
export interface HttpErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
  field?: string
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
}

export function httpErrorBody(statusCode: number, code: string, message: string, field?: string): HttpErrorBody {
  return {
    statusCode,
    code,
    error: REASONS[statusCode] ?? (statusCode >= 500 ? 'Server Error' : 'Client Error'),
    message,
    ...(field !== undefined ? { field } : {}),
  }
}
