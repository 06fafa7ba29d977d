/**
 * fast-check arbitraries for the shared schema: valid readings and statuses built field by field
 * from the schema's own ranges, and hostile strings for identifiers and text.
 */
import fc from 'fast-check'
import { BOROUGHS } from '../../schemas/boroughs.js'
import type { DeviceStatus, Reading } from '../../schemas/types.gen.js'

export const boroughCode = fc.constantFrom(...Object.keys(BOROUGHS))

const SENSOR_CHARS = 'ABCXYZabcxyz0189._:-'.split('')
/** Ids that pass the schema's sensorId pattern ^[A-Za-z0-9._:-]{1,64}$, edge characters included. */
export const sensorId = fc.string({ unit: fc.constantFrom(...SENSOR_CHARS), minLength: 1, maxLength: 64 })

/** Any string, biased towards the characters that matter to MQTT, line protocol, JSON and paths. */
export const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(
      ...'\\ ,="\'\n\r\t/+#$%.:_-0aZé✓\u0000\u2028'.split(''),
      '\\\\',
      '\\n',
      '\\ ',
      ' 1700000000000',
      '\nair,sensor=x pm2_5=1 1',
      ',sensor=other',
      '=',
    ),
    maxLength: 30,
  }),
)

/** A UTC instant in the past (2001..2026), as RFC 3339 with 0, 3 or 9 fractional digits. */
const pastTime = fc
  .tuple(fc.integer({ min: 978307200000, max: 1767225600000 }), fc.constantFrom(0, 3, 9))
  .map(([ms, digits]) => {
    const iso = new Date(ms).toISOString() // always .sssZ
    if (digits === 0) return `${iso.slice(0, 19)}Z`
    if (digits === 3) return iso
    return `${iso.slice(0, 23)}123456Z`
  })

const between = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
const count = fc.integer({ min: 0, max: 1_000_000 })

const AIR_RANGES: Record<string, [number, number]> = {
  pm1: [0, 2000],
  pm2_5: [0, 2000],
  pm10: [0, 2000],
  no2: [0, 4000],
  o3: [0, 2000],
  so2: [0, 5000],
  co2: [0, 40000],
  temperature: [-60, 70],
  relative_humidity: [0, 100],
  pressure: [800, 1100],
  noise_laeq: [0, 194],
}

const airValues = fc
  .record(
    Object.fromEntries(Object.entries(AIR_RANGES).map(([k, [lo, hi]]) => [k, between(lo, hi)])) as Record<
      string,
      fc.Arbitrary<number>
    >,
    { requiredKeys: [] },
  )
  .filter((v) => Object.keys(v).length > 0)

const trafficValues = fc.record(
  {
    counts: fc
      .record(
        {
          pedal_cycle: count,
          motorcycle: count,
          car: count,
          bus_coach: count,
          lgv: count,
          hgv: count,
          pedestrian: count,
        },
        { requiredKeys: [] },
      )
      .filter((c) => Object.keys(c).length > 0),
    mean_speed: between(0, 250),
    v85: between(0, 250),
    occupancy: between(0, 1),
    lane: fc.integer({ min: 1, max: 12 }),
    direction: fc.constantFrom('forward', 'backward'),
  },
  { requiredKeys: ['counts'] },
)

const quality = fc.record(
  {
    grade: fc.constantFrom('reference', 'indicative', 'citizen'),
    status: fc.constantFrom('raw', 'validated', 'suspect'),
    flags: fc.array(fc.stringMatching(/^[a-z0-9_]{1,48}$/), { maxLength: 3 }),
  },
  { requiredKeys: ['grade', 'status'] },
)

const common = {
  sensor: sensorId,
  borough: boroughCode,
  time: pastTime,
  interval: fc.integer({ min: 1, max: 86400 }),
  seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
}

export const airReading: fc.Arbitrary<Reading> = fc
  .record(
    { ...common, kind: fc.constant('air' as const), values: airValues, quality },
    {
      requiredKeys: ['sensor', 'borough', 'time', 'interval', 'seq', 'kind', 'values'],
    },
  )
  .map((r) => r as Reading)

export const trafficReading: fc.Arbitrary<Reading> = fc
  .record(
    { ...common, kind: fc.constant('traffic' as const), values: trafficValues, quality },
    {
      requiredKeys: ['sensor', 'borough', 'time', 'interval', 'seq', 'kind', 'values'],
    },
  )
  .map((r) => r as Reading)

export const reading = fc.oneof(airReading, trafficReading)

export const deviceStatus: fc.Arbitrary<DeviceStatus> = fc
  .record(
    {
      sensor: sensorId,
      borough: boroughCode,
      time: pastTime,
      agent_version: fc.string({ unit: 'grapheme', maxLength: 64 }).filter((s) => s.length <= 64),
      firmware: fc.string({ unit: 'grapheme', maxLength: 128 }).filter((s) => s.length <= 128),
      uptime: fc.nat(),
      outbox_depth: fc.nat(),
      evicted: fc.nat(),
      rejected: fc.nat(),
      clock_synced: fc.boolean(),
      last_seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    },
    {
      requiredKeys: ['sensor', 'borough', 'time', 'agent_version', 'uptime', 'outbox_depth', 'evicted', 'clock_synced'],
    },
  )
  .map((s) => s as DeviceStatus)
