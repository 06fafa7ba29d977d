/**
 * Flow test of the two HTTP services as a borough runs them: the ingest (device intake) and the
 * register (startRegister, its own Fastify on its own port) sharing one data directory. A device
 * posts a reading to the ingest, the ingest writes it to a real influxd, and the register's API
 * and page show it with the ingest's per-sensor counters, which the register reads from the
 * ingest's file read-only. Each service's OpenAPI document lists its own routes only, the
 * register's grouped for data users first.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ingestConfig } from '../../ingest/config.js'
import { type RunningIngest, startIngest } from '../../ingest/index.js'
import { type RunningRegister, registerConfig, startRegister } from '../../register/index.js'
import { openRegistry, type Registry } from '../../registry/registry.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { CAMDEN_AIR } from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
type Json = any

let influx: InfluxServer
let registry: Registry
let ingest: RunningIngest
let register: RunningRegister
let dataDir: string
let intake: string
let http: string
let password: string

beforeAll(async () => {
  influx = await startInfluxd()
  dataDir = mkdtempSync(join(tmpdir(), 'streetsense-register-service-'))
  registry = openRegistry(dataDir)
  password = registry.addSensor(CAMDEN_AIR, 'test').password
  const local = { dataDir, httpHost: '127.0.0.1', httpPort: 0, influxUrl: influx.url, influxDb: 'streetsense' }
  const logger = pino({ level: 'silent' })
  const config = ingestConfig({ ...local, opsPort: 0, flushIntervalMs: 20, instance: `svc-${process.pid}` })
  ingest = await startIngest(config, { logger, registry, mqtt: false })
  // The register opens the registry itself, as `streetsense register` does.
  register = await startRegister(registerConfig(local), { logger })
  intake = `http://127.0.0.1:${ingest.port}`
  http = `http://127.0.0.1:${register.port}`
})

afterAll(async () => {
  await register?.close()
  await ingest?.close()
  registry?.close()
  await influx?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('the register and the ingest as two services on one data directory', () => {
  it('shows a reading posted by a device, with last seen and counters from the ingest', async () => {
    const time = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString()
    const reading = {
      sensor: CAMDEN_AIR.id,
      borough: CAMDEN_AIR.borough,
      kind: 'air',
      time,
      interval: 60,
      seq: 1,
      values: { pm2_5: 31.5, no2: 80 },
    }
    const posted = await fetch(`${intake}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${password}`, 'x-sensor': CAMDEN_AIR.id },
      body: JSON.stringify(reading),
    })
    expect(posted.status).toBe(202)
    let detail: Json
    await waitFor(
      async () => {
        detail = await (await fetch(`${http}/v1/sensors/${CAMDEN_AIR.id}`, { cache: 'no-store' })).json()
        return detail.latest?.[0]?.values?.pm2_5 === 31.5 && detail.counters?.accepted === 1
      },
      20_000,
      'the reading and the counters to reach the open data API',
    )
    expect(detail.latest[0].time).toBe(time)
    expect(detail.latest[0].seq).toBe(1)
    expect(detail.counters).toMatchObject({ accepted: 1, rejected: 0, last_seq: 1 })
    expect(detail.last_seen).not.toBeNull()
    const page = await (await fetch(`${http}/sensors/${CAMDEN_AIR.id}`)).text()
    expect(page).toContain('data-field="pm2_5" data-agg="mean">31.5<')
  })

  it('serves the open data API on the register port and the intake on the ingest port, not each other', async () => {
    const doc = (await (await fetch(`${http}/docs/json`)).json()) as { paths: Record<string, object> }
    for (const p of ['/v1/sensors', '/v1/sensors/{id}/readings', '/v1/export/csv', '/v1/admin/audit']) {
      expect(Object.keys(doc.paths)).toContain(p)
    }
    expect(Object.keys(doc.paths)).not.toContain('/register-static/{name}')
    // GET /v1/readings is bulk history (the register's); POST /v1/readings is device intake (the ingest's).
    expect(Object.keys(doc.paths['/v1/readings']!)).toEqual(['get'])
    const intakeDoc = (await (await fetch(`${intake}/docs/json`)).json()) as { paths: Record<string, object> }
    expect(Object.keys(intakeDoc.paths['/v1/readings']!)).toEqual(['post'])
    expect(Object.keys(intakeDoc.paths)).not.toContain('/v1/sensors')
    expect((await fetch(`${http}/v1/readings`, { method: 'POST' })).status).toBe(404)
    expect((await fetch(`${intake}/v1/sensors`)).status).toBe(404)
    // Operator endpoints are on neither public port.
    for (const path of ['/metrics', '/readyz']) {
      expect((await fetch(`${http}${path}`)).status, `register ${path}`).toBe(404)
      expect((await fetch(`${intake}${path}`)).status, `intake ${path}`).toBe(404)
      expect((await fetch(`http://127.0.0.1:${ingest.opsPort}${path}`)).status, `ops ${path}`).toBe(200)
    }
  })

  it("has no live feed without a broker URL (404), and refuses one without the reader's password", async () => {
    const none = await fetch(`${http}/v1/live`)
    expect(none.status).toBe(404)
    expect(await none.json()).toMatchObject({ code: 'IOT_REGISTER_LIVE_UNAVAILABLE' })
    const config = registerConfig({
      dataDir,
      httpHost: '127.0.0.1',
      httpPort: 0,
      influxUrl: influx.url,
      liveMqttUrl: 'mqtt://127.0.0.1:1883',
    })
    await expect(startRegister(config, { logger: pino({ level: 'silent' }) })).rejects.toMatchObject({
      code: 'IOT_CONFIG_INVALID',
      field: 'liveMqttPassword',
    })
  })

  it('lists the groups for data users first in /docs, the admin API last', async () => {
    const doc = (await (await fetch(`${http}/docs/json`)).json()) as { tags: { name: string }[] }
    const names = doc.tags.map((t) => t.name)
    expect(names.slice(0, 3)).toEqual(['open data', 'bulk and live', 'catalogue'])
    expect(names.at(-1)).toBe('admin')
  })
})
