/**
 * Flow test: Sensor.Community (airrohr) bodies, shaped as the firmware builds them, through the
 * ingest's HTTP intake into a real influxd; refusals in the quarantine; guidance for a node that
 * is not configured for this intake.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { customApiBody, firmwareHeaders, sensorCommunityApiBody } from './airrohr-bodies.js'
import { ADMIN, basic, type IngestFixture, startTestIngest } from './fixtures.js'

const CHIP = '1234567'
const SENSOR = `sc-${CHIP}`
const auth = { user: SENSOR, password: 'pw-sc' }
const fixture = (name: string) => readFileSync(new URL(`../fixtures/airrohr/${name}`, import.meta.url), 'utf8')

describe('Sensor.Community intake: firmware-shaped bodies into a real influxd', () => {
  let influx: InfluxServer
  let fx: IngestFixture
  let http: string

  const post = (body: string, headers: Record<string, string>, path = '/v1/sensor-community') =>
    fetch(`${http}${path}`, { method: 'POST', headers, body })
  const rows = (q: string) => influx.rows(q, 'sc').catch(() => [] as Record<string, unknown>[])
  const quarantined = async () => {
    const res = await fetch(`${http}/v1/quarantine?sensor=${SENSOR}`, {
      headers: { authorization: basic(ADMIN.username, ADMIN.password) },
    })
    return ((await res.json()) as { items: { code: string; reason: string; raw: string; schema: string }[] }).items
  }

  beforeAll(async () => {
    influx = await startInfluxd()
    fx = await startTestIngest({ influxUrl: influx.url, influxDb: 'sc' }, { mqtt: false })
    http = `http://127.0.0.1:${fx.ingest.port}`
  })
  afterAll(async () => {
    await fx?.close()
    await influx?.stop()
  })

  it('stores a custom API body timed at the start of the interval it averages', async () => {
    const before = Date.now()
    const res = await post(fixture('custom-api-body.json'), firmwareHeaders(CHIP, auth))
    const after = Date.now()
    expect(res.status).toBe(200)
    const body = (await res.json()) as { time: string; interval: number; not_stored: { value_type: string }[] }
    expect(body.interval).toBe(145)
    const start = Date.parse(body.time)
    expect(start).toBeGreaterThanOrEqual(before - 145_000)
    expect(start).toBeLessThanOrEqual(after - 145_000)
    expect(body.not_stored.map((n) => n.value_type)).toEqual(['samples', 'min_micro', 'max_micro', 'signal'])
    await waitFor(async () => (await rows(`SELECT * FROM air WHERE sensor = '${SENSOR}'`)).length === 1, 20_000, 'row')
    const [row] = await rows(`SELECT * FROM air WHERE sensor = '${SENSOR}'`)
    expect(row).toMatchObject({
      time: start,
      pm10: 21.3,
      pm2_5: 9.8,
      temperature: 7.25,
      pressure: 1013.25,
      relative_humidity: 81.4,
      interval: 145,
      grade: 'citizen',
      borough: 'E09000019',
    })
  })

  it('keeps every post of the Sensor.Community API format, even in the same millisecond', async () => {
    const bodies: [number, string, string][] = [
      [
        1,
        'SDS_',
        sensorCommunityApiBody('SDS_', [
          ['SDS_P1', 30.1],
          ['SDS_P2', 12.4],
        ]),
      ],
      [
        11,
        'BME280_',
        sensorCommunityApiBody('BME280_', [
          ['BME280_temperature', 5.5],
          ['BME280_pressure', 100_200],
          ['BME280_humidity', 77],
        ]),
      ],
      [
        17,
        'SCD30_',
        sensorCommunityApiBody('SCD30_', [
          ['SCD30_temperature', 19],
          ['SCD30_humidity', 40],
          ['SCD30_co2_ppm', 655],
        ]),
      ],
      [
        15,
        'DNMS_',
        sensorCommunityApiBody('DNMS_', [
          ['DNMS_noise_LAeq', 61.2],
          ['DNMS_noise_LA_min', 48],
          ['DNMS_noise_LA_max', 80.5],
        ]),
      ],
      [
        1,
        'SPS30_',
        sensorCommunityApiBody('SPS30_', [
          ['SPS30_P0', 3],
          ['SPS30_P2', 4],
          ['SPS30_P4', 4.5],
          ['SPS30_P1', 5],
          ['SPS30_N05', 20],
          ['SPS30_N1', 24],
          ['SPS30_N25', 25],
          ['SPS30_N4', 25.2],
          ['SPS30_N10', 25.3],
          ['SPS30_TS', 0.55],
        ]),
      ],
    ]
    const answers = await Promise.all(
      bodies.map(([pin, , body]) => post(body, firmwareHeaders(CHIP, { ...auth, pin }))),
    )
    const parsed = (await Promise.all(answers.map((r) => r.json()))) as { time: string }[]
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    expect(new Set(parsed.map((p) => p.time)).size).toBe(bodies.length)
    const since = Math.min(...parsed.map((p) => Date.parse(p.time)))
    const q = `SELECT * FROM air WHERE sensor = '${SENSOR}' AND time >= ${since}ms`
    await waitFor(async () => (await rows(q)).length === bodies.length, 20_000, 'one point per post')
    const points = await rows(q)
    expect(new Set(points.map((p) => p.seq)).size).toBe(bodies.length)
    const withField = (f: string) => points.filter((p) => p[f] !== null)
    expect(withField('co2').map((p) => [p.co2, p.temperature])).toEqual([[655, 19]])
    expect(withField('noise_lamax').map((p) => [p.noise_laeq, p.noise_lamin, p.noise_lamax])).toEqual([
      [61.2, 48, 80.5],
    ])
    expect(withField('pressure').map((p) => p.pressure)).toEqual([1002])
    expect(withField('pm4').map((p) => [p.pm4, p.pnc0_5, p.pnc10])).toEqual([[4.5, 20, 25.3]])
  })

  it('answers what it did not store, and counts unknown value types', async () => {
    const body = customApiBody(CHIP, [
      ['SDS_P1', 10],
      ['SDS_P2', 6],
      ['SEN5X_P1', 4],
      ['GPS_lat', '51.520000'],
    ])
    const res = await post(body, firmwareHeaders(CHIP, auth))
    expect(res.status).toBe(200)
    const json = (await res.json()) as { unknown: string[]; not_stored: { value_type: string; reason: string }[] }
    expect(json.unknown).toEqual(['SEN5X_P1'])
    expect(json.not_stored.find((n) => n.value_type === 'GPS_lat')?.reason).toMatch(/register entry/)
    const metrics = await (await fetch(`http://127.0.0.1:${fx.ingest.opsPort}/metrics`)).text()
    expect(metrics).toMatch(
      new RegExp(`streetsense_ingest_sc_values_not_stored_total\\{sensor="${SENSOR}",why="unknown_value_type"\\} 1`),
    )
  })

  it('refuses bodies with nothing to store and quarantines them with the reason', async () => {
    const cases: [string, Record<string, string>, string, string][] = [
      [
        sensorCommunityApiBody('GPS_', [
          ['GPS_lat', '51.520000'],
          ['GPS_lon', '-0.130000'],
        ]),
        firmwareHeaders(CHIP, { ...auth, pin: 9 }),
        'IOT_INGEST_INVALID',
        'no value_type this intake stores',
      ],
      [
        '{"software_version": "NRZ-2024-135", "sensordatavalues":[{"value_type":"SDS_P1",',
        firmwareHeaders(CHIP, auth),
        'IOT_INGEST_NOT_JSON',
        'not JSON',
      ],
      [
        customApiBody('7654321', [['SDS_P1', 10]]),
        firmwareHeaders(CHIP, auth),
        'IOT_INGEST_TOPIC_MISMATCH',
        'esp8266id',
      ],
      [
        sensorCommunityApiBody('SDS_', [['SDS_P1', 10]]),
        firmwareHeaders(CHIP, { ...auth, pin: 42 }),
        'IOT_INGEST_INVALID',
        'X-PIN 42',
      ],
      [
        customApiBody(CHIP, [['BME280_humidity', 140]]),
        firmwareHeaders(CHIP, auth),
        'IOT_INGEST_INVALID',
        'relative_humidity',
      ],
    ]
    for (const [body, headers, code, reason] of cases) {
      const res = await post(body, headers)
      expect(res.status, reason).toBe(400)
      const json = (await res.json()) as { code: string; message: string }
      expect(json.code, reason).toBe(code)
      if (code !== 'IOT_INGEST_INVALID' || reason !== 'relative_humidity') expect(json.message).toContain(reason)
    }
    const items = await quarantined()
    for (const [body] of cases) expect(items.map((i) => i.raw)).toContain(body)
    const gps = items.find((i) => i.raw === cases[0]![0])!
    expect(gps.reason).toMatch(/lat \(position: the register entry holds where the sensor is\)/)
    expect(gps.schema).toMatch(/airrohr/)
  })

  it('tells a node that is not configured for this intake what to set', async () => {
    const body = fixture('custom-api-body.json')
    const wrongPath = await post(body, firmwareHeaders(CHIP, auth), '/data.php')
    expect(wrongPath.status).toBe(404)
    const wp = (await wrongPath.json()) as { code: string; message: string }
    expect(wp.code).toBe('IOT_INGEST_WRONG_PATH')
    expect(wp.message).toMatch(/Path to \/v1\/sensor-community/)
    expect(wp.message).toMatch(/User to sc-<chip id>/)
    const noAuth = await post(body, firmwareHeaders(CHIP))
    expect(noAuth.status).toBe(401)
    const na = (await noAuth.json()) as { code: string; message: string }
    expect(na.code).toBe('IOT_INGEST_UNAUTHORIZED')
    expect(na.message).toMatch(/set User to sc-1234567 and Password/)
    const wrong = await post(body, firmwareHeaders(CHIP, { user: SENSOR, password: 'nope' }))
    expect(wrong.status).toBe(401)
    expect(((await wrong.json()) as { message: string }).message).toMatch(/not accepted for sc-1234567/)
    // None of these reached the quarantine: only an authenticated node's refusals are kept.
    expect((await quarantined()).some((i) => i.raw === body)).toBe(false)
  })
})
