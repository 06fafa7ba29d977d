/**
 * Sharing levels on every HTTP channel, against the real API (the register plugin with the real
 * registry on disk) and a real influxd: each caller (anonymous, accounts of the owning borough,
 * of a partner borough under an agreement in force, of another borough, of no borough, a device)
 * gets exactly the sensors the access rule gives it on the readings route, the sensor detail,
 * /v1/latest, the daily CSV export, FIWARE and SensorThings; ending the agreement takes the
 * partner's access away at once. Then the governance admin API: borough scope, JSON only, fields
 * named, reviews, erasure requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildEntry, type IssuedCredentials, utcDay } from '../../registry/index.js'
import type { RegisterEntry } from '../../schemas/index.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { type RegisterApp, startRegisterApp } from '../register/fixtures.js'

const CAMDEN = 'E09000007'
const HACKNEY = 'E09000012'
const ISLINGTON = 'E09000019'
const DB = 'sharing'
const DAY = 86_400_000
const NOW = Date.now()
const T = NOW - 10 * 60_000
const SENSORS = ['cam-open', 'cam-shared', 'cam-restricted'] as const
type Sensor = (typeof SENSORS)[number]

const entry = (id: Sensor): RegisterEntry =>
  ({
    ...buildEntry({ id, borough: CAMDEN, kind: 'air' }),
    measures: ['pm2_5'],
    sharing: id.slice(4) as RegisterEntry['sharing'],
  }) as RegisterEntry

const line = (id: string, time: number, seq: number) =>
  `air,borough=${CAMDEN},grade=indicative,sensor=${id} pm2_5=${seq},seq=${seq}i,interval=60i,suspect=false ${time}`

const basic = (c: IssuedCredentials | { username: string; password: string }) =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`

type Who = 'anonymous' | 'london' | 'camden' | 'hackney' | 'hackneyAdmin' | 'islington' | 'device'

/** What the access rule gives each caller while the agreement with Hackney is in force. */
const EXPECTED: Record<Who, Sensor[]> = {
  anonymous: ['cam-open'],
  london: ['cam-open'], // a reader of no borough reads open data only
  camden: ['cam-open', 'cam-shared', 'cam-restricted'],
  hackney: ['cam-open', 'cam-shared'],
  hackneyAdmin: ['cam-open', 'cam-shared'],
  islington: ['cam-open'],
  device: ['cam-open'], // a device account is no reader
}

describe('sharing levels on the HTTP channels (real API, real influxd)', () => {
  let influx: InfluxServer
  let api: RegisterApp
  const creds: Partial<Record<Who | 'camdenAdmin', IssuedCredentials>> = {}
  const headers = (who: Who | 'camdenAdmin'): Record<string, string> =>
    who === 'anonymous' ? {} : { authorization: basic(creds[who]!) }
  const get = (who: Who | 'camdenAdmin', path: string) => fetch(`${api.url}${path}`, { headers: headers(who) })

  /** The sensors a caller gets through each channel. */
  async function channels(who: Who): Promise<Record<string, Sensor[]>> {
    const out: Record<string, Sensor[]> = {}
    const readable = async (path: (s: Sensor) => string) => {
      const got: Sensor[] = []
      for (const s of SENSORS) {
        const res = await get(who, path(s))
        if (res.status === 200) got.push(s)
        else expect({ who, s, status: res.status }).toMatchObject({ status: 403 })
        await res.body?.cancel()
      }
      return got
    }
    out.readings = await readable((s) => `/v1/sensors/${s}/readings?every=raw`)
    out.sta = await readable((s) => `/v1/sta/Datastreams('${s}:pm2_5')/Observations`)
    const detail: Sensor[] = []
    for (const s of SENSORS) {
      const d = (await (await get(who, `/v1/sensors/${s}`)).json()) as { data_access: boolean; latest: unknown[] }
      expect(d.latest.length > 0).toBe(d.data_access)
      if (d.data_access) detail.push(s)
    }
    out.detail = detail
    const latest = (await (await get(who, `/v1/latest?borough=${CAMDEN}`)).json()) as {
      sensors: { id: Sensor; readings: unknown[] }[]
    }
    out.latest = SENSORS.filter((id) => latest.sensors.some((s) => s.id === id && s.readings.length > 0))
    const csv = await (await get(who, `/v1/export/csv?borough=${CAMDEN}&date=${utcDay(T)}`)).text()
    out.csv = SENSORS.filter((s) => csv.includes(`,${s},`))
    const fiware = (await (await get(who, `/v1/export/fiware?borough=${CAMDEN}`)).json()) as { id: string }[]
    out.fiware = SENSORS.filter((s) => fiware.some((e) => e.id.endsWith(`:${s}`)))
    const obs = (await (await get(who, `/v1/sta/Observations?$top=1000`)).json()) as { '@iot.id': string }[] & {
      value: { '@iot.id': string }[]
    }
    out.staList = SENSORS.filter((s) => obs.value.some((o) => o['@iot.id'].startsWith(`${s}:`)))
    return out
  }

  beforeAll(async () => {
    influx = await startInfluxd()
    await influx.createDatabase(DB)
    await influx.write(
      DB,
      SENSORS.flatMap((s, i) => [line(s, T, 10 + i), line(s, T - 60_000, 20 + i)]).join('\n'),
      'ms',
    )
    api = await startRegisterApp(influx, DB, { seedRegister: false })
    const r = api.registry
    for (const s of SENSORS) r.addSensor(entry(s))
    creds.device = r.addSensor({ ...entry('cam-open'), id: 'cam-device' } as RegisterEntry)
    creds.london = r.addAccount({ username: 'london-reader', role: 'reader' })
    creds.camden = r.addAccount({ username: 'camden-reader', role: 'reader', boroughs: [CAMDEN] })
    creds.hackney = r.addAccount({ username: 'hackney-reader', role: 'reader', boroughs: [HACKNEY] })
    creds.hackneyAdmin = r.addAccount({ username: 'hackney-admin', role: 'admin', boroughs: [HACKNEY] })
    creds.islington = r.addAccount({ username: 'islington-reader', role: 'reader', boroughs: [ISLINGTON] })
    creds.camdenAdmin = r.addAccount({ username: 'camden-admin', role: 'admin', boroughs: [CAMDEN] })
    r.addAgreement({
      reference: 'CAM-DSA-1',
      borough: CAMDEN,
      partners: [HACKNEY],
      purpose: 'Joint air quality action plan',
      starts: utcDay(NOW - 30 * DAY),
      review: utcDay(NOW + 200 * DAY),
    })
  })
  afterAll(async () => {
    await api?.close()
    await influx?.stop()
  })

  it('gives each caller exactly its sensors on every channel', async () => {
    for (const who of Object.keys(EXPECTED) as Who[]) {
      const got = await channels(who)
      const want = EXPECTED[who]
      expect({ who, ...got }).toEqual({
        who,
        readings: want,
        sta: want,
        detail: want,
        latest: want,
        csv: want,
        fiware: want,
        staList: want,
      })
    }
  })

  it('says why a reading is refused, refuses wrong credentials, and keeps account replies private', async () => {
    const anon = await get('anonymous', '/v1/sensors/cam-shared/readings')
    expect(anon.status).toBe(403)
    expect(((await anon.json()) as { code: string }).code).toBe('IOT_REGISTER_DATA_NOT_OPEN')
    expect(anon.headers.get('vary')).toMatch(/authorization/i)
    const islington = await get('islington', '/v1/sensors/cam-shared/readings')
    expect(((await islington.json()) as { code: string }).code).toBe('IOT_REGISTER_NO_ACCESS')
    const wrong = await fetch(`${api.url}/v1/sensors/cam-open/readings`, {
      headers: { authorization: basic({ username: 'camden-reader', password: 'not-it' }) },
    })
    expect(wrong.status).toBe(401)
    const camden = await get('camden', '/v1/sensors/cam-restricted/readings')
    expect(camden.status).toBe(200)
    expect(camden.headers.get('cache-control')).toBe('private, no-store')
    const open = await get('anonymous', '/v1/sensors/cam-open/readings')
    expect(open.headers.get('cache-control')).toMatch(/^public/)
  })

  it('takes a partner borough access away when its agreement ends', async () => {
    const agreement = api.registry.getAgreement('CAM-DSA-1')!
    const { created: _c, updated: _u, ...input } = agreement
    api.registry.updateAgreement({ ...input, ends: utcDay(NOW - DAY) })
    try {
      expect((await channels('hackney')).readings).toEqual(['cam-open'])
      expect((await channels('camden')).csv).toEqual(['cam-open', 'cam-shared', 'cam-restricted'])
    } finally {
      api.registry.updateAgreement(input)
    }
    expect((await channels('hackney')).fiware).toEqual(['cam-open', 'cam-shared'])
  })
})

describe('governance admin API (real API)', () => {
  let influx: InfluxServer
  let api: RegisterApp
  let camden: string
  let hackney: string
  let operator: string
  const send = (auth: string, method: string, path: string, body?: unknown, type = 'application/json') =>
    fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': type }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
  const agreement = {
    reference: 'CAM-DSA-9',
    borough: CAMDEN,
    partners: [HACKNEY, ISLINGTON],
    purpose: 'School streets evaluation',
    sensors: ['cam-shared'],
    starts: utcDay(NOW - 400 * DAY),
    review: utcDay(NOW - 2 * DAY),
  }
  const dpia = {
    reference: 'CAM-DPIA-3',
    borough: CAMDEN,
    title: 'Air quality sensors near schools',
    purpose: 'Measuring air pollution at school gates',
    url: 'https://camden.example/dpia/3',
    sensors: ['cam-open', 'cam-shared'],
    approved: utcDay(NOW - 400 * DAY),
    review: utcDay(NOW + 10 * DAY),
  }

  beforeAll(async () => {
    influx = await startInfluxd()
    api = await startRegisterApp(influx, DB, { seedRegister: false })
    for (const s of SENSORS) api.registry.addSensor(entry(s))
    camden = basic(api.registry.addAccount({ username: 'camden-admin', role: 'admin', boroughs: [CAMDEN] }))
    hackney = basic(api.registry.addAccount({ username: 'hackney-admin', role: 'admin', boroughs: [HACKNEY] }))
    operator = basic(api.registry.addAccount({ username: 'camden-ops', role: 'operator', boroughs: [CAMDEN] }))
  })
  afterAll(async () => {
    await api?.close()
    await influx?.stop()
  })

  it('records agreements and DPIAs for the own borough only, JSON only, naming bad fields', async () => {
    expect((await send(hackney, 'POST', '/v1/admin/agreements', agreement)).status).toBe(403)
    expect((await send(operator, 'POST', '/v1/admin/agreements', agreement)).status).toBe(403)
    const form = await send(camden, 'POST', '/v1/admin/agreements', 'reference=x', 'application/x-www-form-urlencoded')
    expect(form.status).toBe(415)
    const bad = await send(camden, 'POST', '/v1/admin/agreements', { ...agreement, partners: [CAMDEN] })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ code: 'IOT_REGISTER_BAD_PARAM', field: 'partners' })
    const added = await send(camden, 'POST', '/v1/admin/agreements', agreement)
    expect(added.status).toBe(201)
    expect(((await added.json()) as { agreement: { partners: { name: string }[] } }).agreement.partners).toEqual([
      { code: HACKNEY, name: 'Hackney' },
      { code: ISLINGTON, name: 'Islington' },
    ])
    const moved = await send(hackney, 'PUT', '/v1/admin/agreements/CAM-DSA-9', { ...agreement, borough: HACKNEY })
    expect(moved.status).toBe(403)
    expect((await send(camden, 'POST', '/v1/admin/dpias', dpia)).status).toBe(201)
    // Hackney is a partner: it sees the agreement, not Camden's DPIA.
    const seen = (await (await send(hackney, 'GET', '/v1/admin/agreements')).json()) as { count: number }
    expect(seen.count).toBe(1)
    expect(((await (await send(hackney, 'GET', '/v1/admin/dpias')).json()) as { count: number }).count).toBe(0)
    const audit = api.registry.listAudit({ limit: 2 }).map((e) => `${e.actor} ${e.action}`)
    expect(audit).toEqual(['camden-admin dpia.add', 'camden-admin agreement.add'])
  })

  it('lists reviews due and overdue to operators', async () => {
    const res = (await (await send(operator, 'GET', '/v1/admin/reviews?within_days=30')).json()) as {
      overdue: number
      reviews: { kind: string; reference: string; overdue: boolean }[]
    }
    expect(res.overdue).toBe(1)
    expect(res.reviews.map((r) => [r.kind, r.reference, r.overdue])).toEqual([
      ['agreement', 'CAM-DSA-9', true],
      ['dpia', 'CAM-DPIA-3', false],
    ])
    const overdue = (await (await send(operator, 'GET', '/v1/admin/agreements?overdue=true')).json()) as {
      count: number
    }
    expect(overdue.count).toBe(1)
  })

  it('takes erasure requests from the borough admin only, and lists them to its operators', async () => {
    const body = { from: new Date(NOW - 2 * DAY).toISOString(), reason: 'resident request 77' }
    expect((await send(hackney, 'POST', '/v1/admin/sensors/cam-open/erase', body)).status).toBe(403)
    expect((await send(operator, 'POST', '/v1/admin/sensors/cam-open/erase', body)).status).toBe(403)
    const future = await send(camden, 'POST', '/v1/admin/sensors/cam-open/erase', {
      ...body,
      to: new Date(NOW + DAY).toISOString(),
    })
    expect(await future.json()).toMatchObject({ statusCode: 400, field: 'to' })
    const extra = await send(camden, 'POST', '/v1/admin/sensors/cam-open/erase', { ...body, everything: true })
    expect(await extra.json()).toMatchObject({ statusCode: 400, field: 'everything' })
    const res = await send(camden, 'POST', '/v1/admin/sensors/cam-open/erase', body)
    expect(res.status).toBe(202)
    const { erasure } = (await res.json()) as { erasure: { id: number; status: string; requested_by: string } }
    expect(erasure).toMatchObject({ status: 'pending', requested_by: 'camden-admin' })
    expect(res.headers.get('location')).toBe(`/v1/admin/erasures/${erasure.id}`)
    const listed = (await (await send(operator, 'GET', '/v1/admin/erasures')).json()) as { count: number }
    expect(listed.count).toBe(1)
    expect((await send(hackney, 'GET', `/v1/admin/erasures/${erasure.id}`)).status).toBe(404)
    const [event] = api.registry.listAudit({ sensor: 'cam-open', limit: 1 })
    expect(event).toMatchObject({ actor: 'camden-admin', action: 'data.erase.request' })
    expect(event?.detail).toContain('resident request 77')
  })
})
