/** Flow test: the admin API writes through the real Registry (SQLite), scoped to the admin's boroughs; rate limiting per client. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { CAMDEN_AIR, HACKNEY_TRAFFIC, type RegisterApp, startRegisterApp } from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
type Json = any

let influx: InfluxServer
let reg: RegisterApp
let limited: RegisterApp
let camdenAdmin: string
let reader: string

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`
const newSensor = { ...CAMDEN_AIR, id: 'camden-aq-0500', name: 'Camden High Street at Pratt Street' }

async function call(method: string, path: string, auth?: string, body?: unknown) {
  const headers: Record<string, string> = {}
  if (auth) headers.authorization = auth
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${reg.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { res, json: (await res.json()) as Json }
}

beforeAll(async () => {
  influx = await startInfluxd()
  reg = await startRegisterApp(influx, 'streetsense')
  const admin = reg.registry.addAccount({ username: 'camden-admin', role: 'admin', boroughs: ['E09000007'] })
  camdenAdmin = basic(admin.username, admin.password)
  const r = reg.registry.addAccount({ username: 'open-reader', role: 'reader' })
  reader = basic(r.username, r.password)
  limited = await startRegisterApp(influx, 'streetsense', { rateLimit: { max: 3 } })
})

afterAll(async () => {
  await reg?.close()
  await limited?.close()
  await influx?.stop()
})

describe('admin API', () => {
  it('refuses missing, wrong and non-admin credentials', async () => {
    expect((await call('POST', '/v1/admin/sensors', undefined, newSensor)).res.status).toBe(401)
    const wrong = await call('POST', '/v1/admin/sensors', basic('camden-admin', 'nope'), newSensor)
    expect(wrong.res.status).toBe(401)
    expect(wrong.json.code).toBe('IOT_REGISTER_UNAUTHORIZED')
    const notAdmin = await call('POST', '/v1/admin/sensors', reader, newSensor)
    expect(notAdmin.res.status).toBe(403)
    expect(reg.registry.getSensor(newSensor.id)).toBeUndefined()
  })

  it('creates a sensor in its borough, once, and shows credentials once', async () => {
    const created = await call('POST', '/v1/admin/sensors', camdenAdmin, newSensor)
    expect(created.res.status).toBe(201)
    expect(created.res.headers.get('cache-control')).toBe('no-store')
    expect(created.json.credentials.username).toBe(newSensor.id)
    expect(created.json.credentials.password.length).toBeGreaterThanOrEqual(22)
    expect(await reg.registry.verify(newSensor.id, created.json.credentials.password)).toBeDefined()
    const dup = await call('POST', '/v1/admin/sensors', camdenAdmin, newSensor)
    expect(dup.res.status).toBe(409)
    expect(dup.json.code).toBe('IOT_REGISTER_DUPLICATE')
    const pub = await fetch(`${reg.url}/v1/sensors/${newSensor.id}`)
    expect(await pub.text()).not.toContain(created.json.credentials.password)
  })

  it('refuses other boroughs and invalid entries, naming the field', async () => {
    const other = await call('POST', '/v1/admin/sensors', camdenAdmin, { ...HACKNEY_TRAFFIC, id: 'hackney-tr-0100' })
    expect(other.res.status).toBe(403)
    expect(other.json.code).toBe('IOT_REGISTER_FORBIDDEN')
    const invalid = await call('POST', '/v1/admin/sensors', camdenAdmin, {
      ...newSensor,
      id: 'camden-aq-0501',
      retention: 'forever',
    })
    expect(invalid.res.status).toBe(400)
    expect(invalid.json.code).toBe('IOT_REGISTER_INVALID_ENTRY')
    expect(invalid.json.field).toBe('retention')
  })

  it('updates and retires through the Registry, and the audit log shows it', async () => {
    const updated = await call('PUT', `/v1/admin/sensors/${newSensor.id}`, camdenAdmin, {
      ...newSensor,
      status: 'maintenance',
    })
    expect(updated.res.status).toBe(200)
    expect(reg.registry.getSensor(newSensor.id)!.entry.status).toBe('maintenance')
    const moved = await call('PUT', `/v1/admin/sensors/${newSensor.id}`, camdenAdmin, {
      ...newSensor,
      borough: 'E09000012',
    })
    expect(moved.res.status).toBe(403)
    const retired = await call('POST', `/v1/admin/sensors/${newSensor.id}/retire`, camdenAdmin, {})
    expect(retired.json.sensor.status).toBe('retired')
    expect(reg.registry.getAccount(newSensor.id)!.disabled).toBe(true)
    const [user, pass] = Buffer.from(camdenAdmin.slice(6), 'base64').toString().split(':') as [string, string]
    const viaBearer = await fetch(`${reg.url}/v1/admin/audit?limit=1`, {
      headers: { authorization: `Bearer ${pass}`, 'x-account': user },
    })
    expect(viaBearer.status).toBe(200)
    const audit = await call('GET', '/v1/admin/audit?limit=50', camdenAdmin)
    const actions = audit.json.events.filter((e: Json) => e.sensor === newSensor.id).map((e: Json) => e.action)
    expect(actions).toEqual(['sensor.retire', 'sensor.update', 'sensor.add'])
    expect(audit.json.events.every((e: Json) => e.actor === 'camden-admin' || e.sensor?.startsWith('camden'))).toBe(
      true,
    )
    expect(audit.json.events.some((e: Json) => e.sensor === HACKNEY_TRAFFIC.id)).toBe(false)
  })
})

describe('rate limiting', () => {
  it('answers 429 with a stable code past the per-client limit', async () => {
    const statuses: number[] = []
    let last: Json
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${limited.url}/v1/sensors`)
      statuses.push(res.status)
      last = await res.json()
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200])
    expect(statuses.slice(3)).toEqual([429, 429])
    expect(last.code).toBe('IOT_REGISTER_RATE_LIMITED')
  })
})
