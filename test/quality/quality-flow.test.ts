/**
 * Flow test of honest public figures: devices post readings over HTTP to the real ingest, QC
 * flags them on the way into a real influxd, and the real open data API shows them. A spike is
 * kept raw and flagged, and stays out of the aggregates and the DAQI; aggregates carry count,
 * excluded and coverage; a sensor a few minutes old gets no DAQI and honest completeness; a
 * ratification creates a version that the API serves, and a correction a new one.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { daqi } from '../../register/daqi.js'
import type { Reading } from '../../schemas/types.gen.js'
import {
  airEntry,
  DB,
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

/** At the published resolution of ug/m3 values (docs/schema.md). */
const tenth = (v: number) => Math.round(v * 10) / 10
const STEADY = 'cam-q1'
const NEW = 'cam-q2'
let p: Platform
let steady: Reading[]
let spike: Reading
let hourEnd: number

/** 26 hours of 1-minute readings ending at the last whole minute, with one PM spike 3 hours ago. */
function steadySeries(end: number): Reading[] {
  const r = noise(11)
  return Array.from({ length: 26 * 60 }, (_, i) => {
    const t = end - (26 * 60 - i) * MINUTE
    const pm2_5 = Math.round((12 + 4 * r()) * 10) / 10
    return reading(STEADY, i + 1, t, {
      pm2_5,
      pm10: Math.round((pm2_5 * 1.5 + 2 * r()) * 10) / 10,
      no2: Math.round((35 + 10 * r()) * 10) / 10,
      temperature: Math.round((9 + r()) * 100) / 100,
      relative_humidity: Math.round((70 + 4 * r()) * 10) / 10,
    })
  })
}

beforeAll(async () => {
  p = await startPlatform([airEntry(STEADY), airEntry(NEW, { installed: undefined })])
  const end = Math.floor(Date.now() / MINUTE) * MINUTE
  steady = steadySeries(end)
  hourEnd = Math.floor(end / HOUR) * HOUR
  // The spike: one reading in the middle of the hour three hours back, both PM values far out.
  spike = steady.find((s) => Date.parse(s.time) === hourEnd - 3 * HOUR + 30 * MINUTE)!
  spike.values = { ...spike.values, pm2_5: 400, pm10: 420 }
  await post(p, STEADY, steady)
  await post(
    p,
    NEW,
    [4, 3, 2, 1].map((k, i) => reading(NEW, i + 1, end - k * MINUTE, { pm2_5: 11, pm10: 17, no2: 30 })),
  )
}, 120_000)

afterAll(async () => {
  await p?.close()
})

/** The readings of one hour as the test sent them, without the spike. */
const clean = (field: 'pm2_5' | 'no2', start: number) =>
  steady
    .filter((s) => s !== spike && Date.parse(s.time) >= start && Date.parse(s.time) < start + HOUR)
    .map((s) => (s.values as Record<string, number>)[field]!)

describe('a spike', () => {
  it('is stored raw and flagged in InfluxDB', async () => {
    const [row] = await p.influx.rows(
      `SELECT pm2_5, pm10, suspect, flags, qc, qc_fail FROM air WHERE sensor = '${STEADY}' AND time = ${Date.parse(spike.time)}ms`,
      DB,
    )
    expect(row).toMatchObject({ pm2_5: 400, pm10: 420, suspect: true, qc: 1 })
    expect(String(row!.flags).split(',')).toEqual(expect.arrayContaining(['pm2_5_spike', 'pm10_spike']))
    expect(String(row!.qc_fail).split(',').sort()).toEqual(['pm10', 'pm2_5'])
  })

  it('is served raw by the API, marked failed and provisional', async () => {
    const from = new Date(Date.parse(spike.time) - MINUTE).toISOString()
    const to = new Date(Date.parse(spike.time) + 2 * MINUTE).toISOString()
    const { json } = await getJson(p, `/v1/sensors/${STEADY}/readings?every=raw&from=${from}&to=${to}`)
    const [before, hit, after] = json.readings
    expect(hit).toMatchObject({ time: spike.time, status: 'provisional', qc: 1, suspect: true })
    expect(hit.values.pm2_5).toBe(400)
    expect(hit.failed.sort()).toEqual(['pm10', 'pm2_5'])
    expect(before.failed).toBeUndefined()
    expect(after.failed).toBeUndefined()
  })

  it('stays out of the hourly mean, which says how many readings it used, left out and covered', async () => {
    const start = hourEnd - 3 * HOUR
    const url = `/v1/sensors/${STEADY}/readings?every=1h&from=${new Date(start).toISOString()}&to=${new Date(start + HOUR).toISOString()}`
    const { json } = await getJson(p, url)
    const [row] = json.readings
    expect(row.values.pm2_5).toBe(tenth(mean(clean('pm2_5', start))))
    expect(row.count).toMatchObject({ pm2_5: 59, pm10: 59, no2: 60 })
    expect(row.excluded).toMatchObject({ pm2_5: 1, pm10: 1, no2: 0 })
    expect(row.coverage.pm2_5).toBeCloseTo(59 / 60, 4)
    expect(row.coverage.no2).toBe(1)
    expect(row.status).toBe('provisional')
  })

  it('stays out of the 24-hour DAQI, which uses only complete hours and is labelled indicative', async () => {
    const { json } = await getJson(p, `/v1/sensors/${STEADY}`)
    const pm = json.daqi.pollutants.find((x: Json) => x.pollutant === 'pm2_5')
    const end = Date.parse(pm.to)
    const hours = Array.from({ length: 24 }, (_, i) => end - (24 - i) * HOUR)
    const expected = daqi('pm2_5', mean(hours.map((h) => mean(clean('pm2_5', h)))))
    expect(pm).toMatchObject({ averaging: '24-hour mean', hours_valid: 24, hours_needed: 18, index: expected.index })
    expect(pm.value).toBeCloseTo(expected.value, 1)
    expect(json.daqi.indicative).toBe(true)
    expect(json.daqi.label).toMatch(/not the official Daily Air Quality Index/)
    expect(json.daqi.overall.index).toBeGreaterThanOrEqual(1)
  })
})

describe('a sensor a few minutes old', () => {
  it('has no DAQI: not enough data yet', async () => {
    const { json } = await getJson(p, `/v1/sensors/${NEW}`)
    expect(json.daqi.overall).toMatchObject({ index: null, band: null, reason: 'not enough data yet' })
    for (const x of json.daqi.pollutants) {
      expect(x.index).toBeNull()
      expect(x.reason).toMatch(/^not enough data yet/)
    }
    expect(json.latest[0].values.pm2_5).toBe(11)
  })

  it('counts completeness only since its first reading, and says so', async () => {
    const { json } = await getJson(p, `/v1/sensors/${NEW}`)
    for (const w of ['24h', '30d']) {
      expect(json.completeness[w].since).toBe('first_reading')
      expect(Date.now() - Date.parse(json.completeness[w].from)).toBeLessThan(10 * MINUTE)
    }
    const page = await (await fetch(`${p.url}/sensors/${NEW}`)).text()
    expect(page).toContain('Not enough data yet')
    expect(page).toMatch(/Readings received: [\d.]+% since its first reading/)
    expect(page).not.toMatch(/over 30 days/)
  })

  it('refuses status=raw for aggregates, naming the parameter and the allowed values otherwise', async () => {
    const raw = await getJson(p, `/v1/sensors/${NEW}/readings?every=1h&status=raw`)
    expect(raw.status).toBe(400)
    expect(raw.json.field).toBe('status')
    const bad = await getJson(p, `/v1/sensors/${NEW}/readings?status=validated`)
    expect(bad.status).toBe(400)
    expect(bad.json.message).toBe('status: must be equal to one of the allowed values: raw, provisional, ratified')
  })
})

describe('ratification', () => {
  const dayStart = () => hourEnd - 6 * HOUR
  const range = () =>
    `from=${new Date(dayStart()).toISOString()}&to=${new Date(hourEnd - 2 * HOUR).toISOString()}&every=1h`

  it('creates version 1, audited, which the API serves as ratified', async () => {
    const created = await postJson(p, `/v1/admin/sensors/${STEADY}/ratifications`, {
      from: new Date(dayStart()).toISOString(),
      to: new Date(hourEnd - 2 * HOUR).toISOString(),
      note: 'monthly review: service log and co-location checked',
      decisions: [
        {
          action: 'exclude',
          fields: ['no2'],
          from: new Date(dayStart()).toISOString(),
          to: new Date(dayStart() + HOUR).toISOString(),
          reason: 'NO2 cell replaced that hour',
        },
      ],
    })
    expect(created.status).toBe(201)
    expect(created.json.ratification).toMatchObject({ sensor: STEADY, version: 1, by: 'camden-admin' })
    const { json } = await getJson(p, `/v1/sensors/${STEADY}/readings?${range()}&status=ratified`)
    expect(json.readings).toHaveLength(4)
    for (const r of json.readings) expect(r).toMatchObject({ status: 'ratified', version: 1 })
    expect(json.readings[0].count.no2).toBe(0)
    expect(json.readings[0].excluded.no2).toBe(60)
    expect(json.readings[0].values.no2).toBeUndefined()
    expect(json.readings[1].values.no2).toBe(tenth(mean(clean('no2', dayStart() + HOUR))))
    const audit = p.registry.listAudit({ sensor: STEADY }).find((e) => e.action === 'ratification.add')
    expect(audit).toMatchObject({ actor: 'camden-admin' })
    const provisional = await getJson(p, `/v1/sensors/${STEADY}/readings?status=provisional&${range()}`)
    expect(provisional.json.readings).toEqual([])
  })

  it('a later correction is version 2; version 1 is still served as it was', async () => {
    const spikeHour = hourEnd - 3 * HOUR
    const corrected = await postJson(p, `/v1/admin/sensors/${STEADY}/ratifications`, {
      from: new Date(spikeHour).toISOString(),
      to: new Date(spikeHour + HOUR).toISOString(),
      decisions: [
        {
          action: 'accept',
          fields: ['pm2_5', 'pm10'],
          from: new Date(spikeHour).toISOString(),
          to: new Date(spikeHour + HOUR).toISOString(),
          reason: 'a bonfire next to the sensor: the spike was real',
        },
      ],
    })
    expect(corrected.json.ratification.version).toBe(2)
    const hour = `from=${new Date(spikeHour).toISOString()}&to=${new Date(spikeHour + HOUR).toISOString()}&every=1h`
    const now = await getJson(p, `/v1/sensors/${STEADY}/readings?${hour}`)
    expect(now.json.readings[0]).toMatchObject({ status: 'ratified', version: 2 })
    expect(now.json.readings[0].count.pm2_5).toBe(60)
    expect(now.json.readings[0].values.pm2_5).toBe(tenth(mean([...clean('pm2_5', spikeHour), 400])))
    const asBefore = await getJson(p, `/v1/sensors/${STEADY}/readings?${hour}&version=1`)
    expect(asBefore.json.readings[0]).toMatchObject({ status: 'ratified', version: 1 })
    expect(asBefore.json.readings[0].count.pm2_5).toBe(59)
    const raw = await getJson(
      p,
      `/v1/sensors/${STEADY}/readings?every=raw&status=ratified&${hour.replace('&every=1h', '')}`,
    )
    const hit = raw.json.readings.find((r: Json) => r.time === spike.time)
    expect(hit).toMatchObject({ status: 'ratified', version: 2, suspect: true })
    expect(hit.failed).toBeUndefined()
    const list = await getJson(p, `/v1/sensors/${STEADY}/ratifications`)
    expect(list.json.ratifications.map((r: Json) => r.version)).toEqual([1, 2])
    expect(list.json.ratifications[0].by).toBeUndefined()
  })

  it('is never changed in place, and refuses a period or a decision that makes no sense', () => {
    const db = new Database(join(p.dataDir, 'registry.sqlite'))
    try {
      expect(() => db.prepare("UPDATE ratifications SET note = 'rewritten' WHERE version = 1").run()).toThrow(
        /a ratification is never changed: record a new version/,
      )
    } finally {
      db.close()
    }
    expect(() => p.registry.addRatification({ sensor: STEADY, from: '2026-11-02', to: '2026-11-01' }, 'test')).toThrow(
      /from: must be before to/,
    )
    expect(() =>
      p.registry.addRatification(
        {
          sensor: STEADY,
          from: '2026-11-01',
          to: '2026-11-02',
          decisions: [{ action: 'exclude', fields: ['colour'], from: '2026-11-01', to: '2026-11-02', reason: 'x' }],
        },
        'test',
      ),
    ).toThrow(/decisions.0.fields: must be a non-empty list of \*, pm1/)
  })

  it('is for admins of the sensor borough only', async () => {
    const anonymous = await getJson(p, `/v1/admin/sensors/${STEADY}/ratifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '2026-11-01', to: '2026-11-02' }),
    })
    expect(anonymous.status).toBe(401)
    const other = p.registry.addAccount({ username: 'hackney-admin', role: 'admin', boroughs: ['E09000012'] }, 'test')
    const foreign = await getJson(p, `/v1/admin/sensors/${STEADY}/ratifications`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`hackney-admin:${other.password}`).toString('base64')}`,
      },
      body: JSON.stringify({ from: '2026-11-01', to: '2026-11-02' }),
    })
    expect(foreign.status).toBe(403)
    expect(p.registry.listRatifications(STEADY)).toHaveLength(2)
  })
})
