/**
 * Flow test of the whole path: the plugin mounted in the real ingest the way `streetsense up` does
 * (startIngest with openData: true, sharing its registry, InfluxDB and stats), a device posts a reading over HTTP, the ingest writes it to a real influxd, and the open
 * data API and the register page show it; the routes appear in the ingest's OpenAPI document.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mountRegister } from '../../cli/wiring/mount-register.js'
import { ingestConfig } from '../../ingest/config.js'
import { type RunningIngest, startIngest } from '../../ingest/service.js'
import { openRegistry, type Registry } from '../../registry/registry.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { CAMDEN_AIR } from './fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
type Json = any

let influx: InfluxServer
let registry: Registry
let ingest: RunningIngest
let dataDir: string
let http: string
let password: string

beforeAll(async () => {
  influx = await startInfluxd()
  dataDir = mkdtempSync(join(tmpdir(), 'streetsense-mounted-'))
  registry = openRegistry(dataDir)
  password = registry.addSensor(CAMDEN_AIR, 'test').password
  const config = ingestConfig({
    dataDir,
    httpHost: '127.0.0.1',
    httpPort: 0,
    flushIntervalMs: 20,
    influxUrl: influx.url,
    influxDb: 'streetsense',
    instance: `mounted-${process.pid}`,
  })
  ingest = await startIngest(config, {
    logger: pino({ level: 'silent' }),
    registry,
    mqtt: false,
    mount: mountRegister(config),
  })
  http = `http://127.0.0.1:${ingest.port}`
})

afterAll(async () => {
  await ingest?.close()
  registry?.close()
  await influx?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('open data plugin inside the ingest', () => {
  it('shows a reading posted by a device, with last seen from the ingest counters', async () => {
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
    const posted = await fetch(`${http}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${password}`, 'x-sensor': CAMDEN_AIR.id },
      body: JSON.stringify(reading),
    })
    expect(posted.status).toBeLessThan(300)
    let detail: Json
    await waitFor(
      async () => {
        detail = await (await fetch(`${http}/v1/sensors/${CAMDEN_AIR.id}`, { cache: 'no-store' })).json()
        return detail.latest?.[0]?.values?.pm2_5 === 31.5
      },
      20_000,
      'the reading to reach the open data API',
    )
    expect(detail.latest[0].time).toBe(time)
    expect(detail.latest[0].seq).toBe(1)
    await waitFor(() => ingest.stats.get(CAMDEN_AIR.id) !== undefined, 10_000, 'ingest stats counted')
    const again = await (await fetch(`${http}/v1/sensors/${CAMDEN_AIR.id}`)).json()
    expect(again.counters.accepted).toBe(1)
    expect(again.last_seen).not.toBeNull()
    const page = await (await fetch(`${http}/sensors/${CAMDEN_AIR.id}`)).text()
    expect(page).toContain('data-field="pm2_5" data-agg="mean">31.5<')
  })

  it('lists the open data routes in the ingest OpenAPI document next to the intake routes', async () => {
    const doc = (await (await fetch(`${http}/docs/json`)).json()) as { paths: Record<string, unknown> }
    for (const p of ['/v1/readings', '/v1/sensors', '/v1/sensors/{id}/readings', '/v1/export/csv', '/v1/admin/audit']) {
      expect(Object.keys(doc.paths)).toContain(p)
    }
    expect(Object.keys(doc.paths)).not.toContain('/register-static/{name}')
  })

  it('lists the groups for data users first in /docs and device intake after', async () => {
    const doc = (await (await fetch(`${http}/docs/json`)).json()) as { tags: { name: string }[] }
    const names = doc.tags.map((t) => t.name)
    expect(names.slice(0, 3)).toEqual(['open data', 'bulk and live', 'catalogue'])
    expect(names.indexOf('ingest')).toBeGreaterThan(names.indexOf('admin'))
  })
})
