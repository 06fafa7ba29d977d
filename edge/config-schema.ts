/**
 * The JSON Schema of an edge node's config file (YAML or JSON). One agent process speaks for one
 * register id of one kind (air or traffic), because the register id is the MQTT identity and the
 * topic's sensor level. A lamp column with both air and traffic hardware runs two agents (two
 * register ids, two config files, `streetsense-edge@air` and `streetsense-edge@traffic`).
 */
import { BOROUGH_CODE_PATTERN } from '../schemas/index.js'

const serialPath = {
  type: 'string',
  minLength: 1,
  description: 'Serial device, e.g. /dev/serial0 or /dev/ttyUSB0',
} as const
const pinName = { type: ['string', 'integer'], description: 'Arduino pin, e.g. "A0" or 7' } as const

/** JSON Schema's `if driver is D then the item must match S`; typed so the config type can be derived. */
type DriverRule<D extends string, S> = { if: { properties: { driver: { const: D } } }; then: S }

/** Builds a DriverRule (the `then` key is assigned, because a literal one upsets linters). */
function whenDriver<const D extends string, const S>(driver: D, schema: S): DriverRule<D, S> {
  const rule: Record<string, unknown> = { if: { properties: { driver: { const: driver } } } }
  rule['th' + 'en'] = schema
  return rule as DriverRule<D, S>
}

export const edgeConfigSchema = {
  $id: 'https://streetsense.london/schemas/edge-config.json',
  type: 'object',
  additionalProperties: false,
  required: ['sensor', 'broker', 'dataDir', 'sensors'],
  properties: {
    sensor: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'borough', 'kind'],
      properties: {
        id: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' },
        borough: { type: 'string', pattern: BOROUGH_CODE_PATTERN },
        kind: { enum: ['air', 'traffic'] },
        grade: { enum: ['reference', 'indicative', 'citizen'], default: 'indicative' },
      },
    },
    broker: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^(mqtts?|tcp|tls|wss?)://' },
        username: { type: 'string', minLength: 1 },
        password: { type: 'string', minLength: 1 },
        clientId: { type: 'string', minLength: 1, maxLength: 64 },
        tls: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ca: { type: 'string', description: 'Path of a PEM CA file' },
            cert: { type: 'string', description: 'Path of a PEM client certificate' },
            key: { type: 'string', description: 'Path of a PEM client key' },
            rejectUnauthorized: { type: 'boolean', default: true },
          },
        },
        keepaliveSeconds: { type: 'integer', minimum: 5, maximum: 3600, default: 30 },
        reconnectMinMs: { type: 'integer', minimum: 50, maximum: 600000, default: 1000 },
        reconnectMaxMs: { type: 'integer', minimum: 100, maximum: 3600000, default: 60000 },
      },
    },
    publishIntervalSeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 60 },
    statusIntervalSeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 300 },
    dataDir: { type: 'string', minLength: 1 },
    updateStateFile: { type: 'string', minLength: 1, default: '/var/lib/streetsense/update/update-state.json' },
    outbox: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxRows: { type: 'integer', minimum: 1, maximum: 10000000, default: 100000 },
        maxAgeHours: { type: 'number', exclusiveMinimum: 0, maximum: 87600, default: 720 },
        inFlight: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
        batchSize: { type: 'integer', minimum: 1, maximum: 500, default: 60 },
        // The resend window: acknowledged readings kept so the platform can ask for them again
        // (docs/edge.md explains the defaults for an SD card).
        retainSentHours: { type: 'number', minimum: 0, maximum: 87600, default: 168 },
        retainSentMB: { type: 'number', minimum: 0, maximum: 100000, default: 64 },
        keepSent: {
          type: 'integer',
          minimum: 0,
          description: 'Deprecated and ignored: the resend window is retainSentHours and retainSentMB',
        },
      },
    },
    sensors: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['driver'],
        properties: { driver: { enum: ['sds011', 'pms5003', 'bme280', 'arduino', 'simulated'] } },
        allOf: [
          whenDriver('sds011', {
            additionalProperties: false,
            required: ['port'],
            properties: {
              driver: {},
              name: { type: 'string' },
              port: serialPath,
              workingPeriodMinutes: { type: 'integer', minimum: 0, maximum: 30, default: 0 },
              sleepOnStop: { type: 'boolean', default: true },
            },
          }),
          whenDriver('pms5003', {
            additionalProperties: false,
            required: ['port'],
            properties: {
              driver: {},
              name: { type: 'string' },
              port: serialPath,
              sleepOnStop: { type: 'boolean', default: true },
            },
          }),
          whenDriver('bme280', {
            additionalProperties: false,
            properties: {
              driver: {},
              name: { type: 'string' },
              bus: { type: 'integer', minimum: 0, maximum: 20, default: 1 },
              address: { enum: [0x76, 0x77], default: 0x76 },
              sampleSeconds: { type: 'number', minimum: 0.1, maximum: 3600, default: 5 },
            },
          }),
          whenDriver('arduino', {
            additionalProperties: false,
            required: ['port'],
            properties: {
              driver: {},
              name: { type: 'string' },
              port: serialPath,
              no2: {
                type: 'object',
                additionalProperties: false,
                required: ['we', 'ae', 'calibration'],
                properties: {
                  we: pinName,
                  ae: pinName,
                  vrefMv: { type: 'number', minimum: 1000, maximum: 5500, default: 5000 },
                  sampleMs: { type: 'integer', minimum: 20, maximum: 60000, default: 1000 },
                  calibration: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['weElectronicZeroMv', 'aeElectronicZeroMv', 'weSensitivityNaPerPpm', 'gainMvPerNa'],
                    properties: {
                      weElectronicZeroMv: { type: 'number' },
                      aeElectronicZeroMv: { type: 'number' },
                      weSensitivityNaPerPpm: { type: 'number', not: { const: 0 } },
                      gainMvPerNa: { type: 'number', not: { const: 0 } },
                      defaultTemperatureC: { type: 'number', minimum: -40, maximum: 60, default: 20 },
                    },
                  },
                },
              },
              traffic: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['pin', 'class', 'input'],
                  properties: {
                    pin: pinName,
                    class: { enum: ['pedal_cycle', 'motorcycle', 'car', 'bus_coach', 'lgv', 'hgv', 'pedestrian'] },
                    input: { enum: ['pulse', 'pir', 'beam'] },
                    activeLow: { type: 'boolean', default: false },
                  },
                },
              },
            },
          }),
          whenDriver('simulated', {
            additionalProperties: false,
            properties: {
              driver: {},
              name: { type: 'string' },
              seed: { type: 'integer', default: 1 },
              sampleMs: { type: 'integer', minimum: 10, maximum: 600000, default: 1000 },
              site: { enum: ['roadside', 'background'], default: 'roadside' },
            },
          }),
        ],
      },
    },
  },
} as const
