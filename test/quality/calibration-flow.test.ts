/**
 * Flow test of calibration: a low-cost sensor co-located with a reference-grade one for three
 * days, both posting through the real ingest into a real influxd. The sensor reads with a known
 * bias, a known humidity effect and noise. A calibration fitted through the admin API (and the
 * CLI) recovers the coefficients, meets the EPA targets, and the API, the export and the page
 * serve the corrected series next to the raw one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Reading } from '../../schemas/types.gen.js'
import { cli } from '../helpers/processes.js'
import { CAMDEN_AIR } from '../register/fixtures.js'
import {
  airEntry,
  getJson,
  HOUR,
  type Json,
  MINUTE,
  mean,
  noise,
  type Platform,
  post,
  postJson,
  reading,
  startPlatform,
} from './fixtures.js'

const SENSOR = 'cam-q3'
const REFERENCE = 'ref-q1'
const FAR = 'ref-far'
const [LON, LAT] = CAMDEN_AIR.location.coordinates as [number, number]
// The truth: raw = 1.6 x reference + 0.3 x RH - 8 (+ noise), so reference = 5 + 0.625 raw - 0.1875 RH.
const TRUE = { intercept: 5, pm2_5: 0.625, relative_humidity: -0.1875 }

let p: Platform
let start: number
let end: number
/** The reference's hourly mean for each hour of the co-location. */
const refByHour = new Map<number, number>()

function colocation(): { sensor: Reading[]; reference: Reading[] } {
  const r = noise(29)
  const sensor: Reading[] = []
  const reference: Reading[] = []
  for (let h = start, seq = 1; h < end; h += HOUR) {
    const ref = 5 + 25 * (r() + 0.5)
    const rh = 40 + 40 * (r() + 0.5)
    for (let k = 0; k < 6; k++, seq++) {
      const t = h + k * 10 * MINUTE
      const humidity = Math.round((rh + r()) * 100) / 100
      const raw = 1.6 * ref + 0.3 * humidity - 8 + 1.2 * r()
      sensor.push(
        reading(SENSOR, seq, t, { pm2_5: round(raw), relative_humidity: humidity, temperature: round(8 + r()) }, 600),
      )
      // The reference is good, not perfect: its 10-minute values vary a little around the hour's.
      const measured = round(ref + 0.4 * r())
      reference.push({
        ...reading(REFERENCE, seq, t, { pm2_5: measured }, 600),
        quality: { grade: 'reference', status: 'raw' },
      })
      refByHour.set(h, (refByHour.get(h) ?? 0) + measured / 6)
    }
  }
  return { sensor, reference }
}

const round = (v: number) => Math.round(v * 1000) / 1000
const iso = (ms: number) => new Date(ms).toISOString()

beforeAll(async () => {
  p = await startPlatform([
    airEntry(SENSOR, { measures: ['pm2_5', 'relative_humidity', 'temperature'] }),
    airEntry(REFERENCE, {
      name: 'Camden reference station',
      data_grade: 'reference',
      measures: ['pm2_5'],
      location: { type: 'Point', coordinates: [LON + 0.0001, LAT] },
    }),
    airEntry(FAR, {
      data_grade: 'reference',
      measures: ['pm2_5'],
      location: { type: 'Point', coordinates: [LON + 0.01, LAT] },
    }),
  ])
  end = Math.floor(Date.now() / HOUR) * HOUR - 8 * HOUR
  start = end - 72 * HOUR
  const { sensor, reference } = colocation()
  await post(p, SENSOR, sensor)
  await post(p, REFERENCE, reference)
}, 120_000)

afterAll(async () => {
  await p?.close()
})

describe('a calibration fitted on a synthetic co-location', () => {
  let calibration: Json

  it('recovers the bias and the humidity effect, and meets the EPA targets', async () => {
    const res = await postJson(p, `/v1/admin/sensors/${SENSOR}/calibrations`, {
      field: 'pm2_5',
      reference: REFERENCE,
      from: iso(start),
      to: iso(end),
      covariates: ['relative_humidity'],
      note: 'three days beside the Camden reference station',
    })
    expect(res.status).toBe(201)
    calibration = res.json.calibration
    expect(calibration).toMatchObject({
      field: 'pm2_5',
      version: 1,
      method: 'mlr',
      applied: true,
      reference: REFERENCE,
    })
    expect(calibration.coefficients.intercept).toBeCloseTo(TRUE.intercept, 0)
    expect(Math.abs(calibration.coefficients.pm2_5 - TRUE.pm2_5)).toBeLessThan(0.02)
    expect(Math.abs(calibration.coefficients.relative_humidity - TRUE.relative_humidity)).toBeLessThan(0.02)
    expect(calibration.stats).toMatchObject({ meets_targets: true, missed_targets: [], paired_hours: 72 })
    expect(calibration.stats.raw.slope).toBeGreaterThan(1.35) // uncorrected, the sensor misses the slope target
    expect(calibration.label).toMatch(
      /^corrected for humidity using a linear model fitted against the reference instrument Camden reference station/,
    )
    expect(calibration.fittedBy).toBeUndefined()
    const audit = p.registry.listAudit({ sensor: SENSOR }).find((e) => e.action === 'calibration.add')
    expect(audit).toMatchObject({ actor: 'camden-admin', detail: 'pm2_5 v1 mlr' })
  })

  it('gives a corrected hourly series next to the raw one that meets the EPA targets against the reference', async () => {
    const { json } = await getJson(
      p,
      `/v1/sensors/${SENSOR}/readings?every=1h&from=${iso(start)}&to=${iso(end)}&limit=100`,
    )
    expect(json.readings).toHaveLength(72)
    expect(json.corrections.pm2_5[0]).toMatchObject({ calibration: calibration.id, version: 1 })
    const pairs = json.readings.map((r: Json) => [refByHour.get(Date.parse(r.time))!, r.corrected.pm2_5 as number])
    for (const r of json.readings) expect(r.values.pm2_5).not.toBeCloseTo(r.corrected.pm2_5, 0)
    // Corrected regressed on the reference, as EPA reports sensor performance.
    const x = pairs.map(([ref]: number[]) => ref)
    const y = pairs.map(([, c]: number[]) => c)
    const mx = mean(x)
    const my = mean(y)
    const sxy = x.reduce((a: number, xi: number, i: number) => a + (xi - mx) * (y[i] - my), 0)
    const sxx = x.reduce((a: number, xi: number) => a + (xi - mx) ** 2, 0)
    const syy = y.reduce((a: number, yi: number) => a + (yi - my) ** 2, 0)
    const slope = sxy / sxx
    const rmse = Math.sqrt(mean(x.map((xi: number, i: number) => (y[i] - xi) ** 2)))
    expect(slope).toBeGreaterThan(0.65)
    expect(slope).toBeLessThan(1.35)
    expect(Math.abs(my - slope * mx)).toBeLessThan(5)
    expect((sxy * sxy) / (sxx * syy)).toBeGreaterThan(0.7)
    expect(rmse).toBeLessThan(7)
  })

  it('corrects single readings, the daily export and the register page, labelled', async () => {
    const raw = await getJson(p, `/v1/sensors/${SENSOR}/readings?every=raw&from=${iso(start)}&to=${iso(start + HOUR)}`)
    const first = raw.json.readings[0]
    const expected =
      calibration.coefficients.intercept +
      calibration.coefficients.pm2_5 * first.values.pm2_5 +
      calibration.coefficients.relative_humidity * first.values.relative_humidity
    // Published at 0.1 ug/m3 (docs/schema.md).
    expect(first.corrected.pm2_5).toBeCloseTo(expected, 1)
    const day = iso(start + 24 * HOUR).slice(0, 10)
    const csv = await (await fetch(`${p.url}/v1/export/csv?borough=${CAMDEN_AIR.borough}&date=${day}`)).text()
    const [header, ...rows] = csv.trim().split('\r\n')
    const column = header!.split(',').indexOf('pm2_5_corrected')
    const sensorRows = rows.filter((r) => r.split(',')[1] === SENSOR)
    expect(sensorRows).toHaveLength(144)
    for (const r of sensorRows) expect(Number(r.split(',')[column])).toBeGreaterThan(0)
    const page = await (await fetch(`${p.url}/sensors/${SENSOR}`)).text()
    expect(page).toContain(
      'corrected for humidity using a linear model fitted against the reference instrument Camden reference station',
    )
    expect(page).toContain('It meets the US EPA performance targets for this pollutant.')
  })

  it('a refit from the CLI is a new version, never an overwrite', async () => {
    const out = await cli([
      'quality',
      'calibrate',
      '--data-dir',
      p.dataDir,
      '--influx-url',
      p.influx.url,
      '--sensor',
      SENSOR,
      '--field',
      'pm2_5',
      '--reference',
      REFERENCE,
      '--from',
      iso(start),
      '--to',
      iso(end),
      '--by',
      'field-engineer',
      '--json',
    ])
    const refit = JSON.parse(out)
    expect(refit).toMatchObject({ version: 2, method: 'linear', covariates: [], fittedBy: 'field-engineer' })
    const list = await getJson(p, `/v1/sensors/${SENSOR}/calibrations`)
    expect(list.json.calibrations.map((c: Json) => c.version)).toEqual([1, 2])
    expect(list.json.calibrations[0].coefficients).toEqual(calibration.coefficients)
  })

  it('refuses a reference that is not reference-grade or not co-located, and too little data', async () => {
    const body = { field: 'pm2_5', from: iso(start), to: iso(end) }
    const notReference = await postJson(p, `/v1/admin/sensors/${SENSOR}/calibrations`, { ...body, reference: SENSOR })
    expect(notReference.status).toBe(400)
    expect(notReference.json.field).toBe('reference')
    const far = await postJson(p, `/v1/admin/sensors/${SENSOR}/calibrations`, { ...body, reference: FAR })
    expect(far.json.message).toMatch(/m away: co-located means within 100 m/)
    const short = await postJson(p, `/v1/admin/sensors/${SENSOR}/calibrations`, {
      ...body,
      reference: REFERENCE,
      to: iso(start + 24 * HOUR),
    })
    expect(short.status).toBe(422)
    expect(short.json).toMatchObject({ code: 'IOT_REGISTER_CALIBRATION_DATA' })
    expect(short.json.message).toMatch(/^24 co-located hours/)
    const badField = await postJson(p, `/v1/admin/sensors/${SENSOR}/calibrations`, {
      ...body,
      reference: REFERENCE,
      field: 'co2',
    })
    expect(badField.json.message).toBe('field: must be equal to one of the allowed values: pm2_5, pm10, no2, o3')
  })
})
