/**
 * Every Grafana dashboard's InfluxQL, with its template variables filled the way Grafana fills
 * them, runs against a real influxd seeded with the data model of docs/ingest.md, and returns data.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { allDashboards, serialise } from '../../dashboards/grafana/generate.js'
import { DAQI_BREAKPOINTS } from '../../register/daqi.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { seedInflux } from '../register/fixtures.js'

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies under test
type Json = any

const DB = 'streetsense'
const DIR = new URL('../../dashboards/grafana/', import.meta.url)
const files = readdirSync(new URL('dashboards/', DIR)).filter((f) => f.endsWith('.json'))
const load = (f: string) => JSON.parse(readFileSync(new URL(`dashboards/${f}`, DIR), 'utf8'))
let influx: InfluxServer
/** Grafana's environment reference, ${NAME}. */
const envRef = (name: string) => ['$', '{', name, '}'].join('')

interface Dash {
  uid: string
  templating: { list: { name: string; query: string; datasource: { uid: string } }[] }
  panels: {
    title: string
    datasource: { uid: string }
    targets: { query: string; rawQuery: boolean }[]
    fieldConfig: { defaults: { thresholds?: { steps: { value: number | null }[] } } }
  }[]
}

/** Grafana's InfluxQL interpolation for a relative range: $timeFilter, $__interval and single-value variables (regex-escaped). */
function interpolate(query: string, vars: Record<string, string>): string {
  let q = query.replace(/\$timeFilter/g, 'time >= now() - 24h and time <= now()').replace(/\$__interval/g, '5m')
  for (const [name, value] of Object.entries(vars))
    q = q.replaceAll(`$${name}`, value.replace(/[\\^$.|?*+()[\]{}/]/g, '\\$&'))
  return q
}

beforeAll(async () => {
  influx = await startInfluxd()
  const now0 = Math.floor(Date.now() / 60_000) * 60_000
  await seedInflux(influx, DB, now0)
  const lines: string[] = []
  for (let k = 0; k < 180; k++) {
    const t = now0 - k * 10_000
    lines.push(
      `ingest_health,instance=ingest-a accepted=${10_000 - k * 50}i,rejected=${100 - Math.floor(k / 10)}i,duplicates=${20}i,spool_depth=${k % 7}i,quarantine_depth=3i,readings_per_second=5.5 ${t}`,
    )
  }
  for (let k = 0; k < 24; k++) {
    lines.push(
      `device_status,sensor=camden-aq-0042,borough=E09000007 uptime=${100_000 - k * 300}i,outbox_depth=${k % 3}i,evicted=0i,rejected=0i,last_seq=${10_000 - k}i,clock_synced=true,agent_version="0.1.0",firmware="1.0" ${now0 - k * 300_000}`,
    )
    lines.push(
      `device_status,sensor=hackney-tr-0007,borough=E09000012 uptime=${50_000 - k * 300}i,outbox_depth=0i,evicted=0i,rejected=0i,last_seq=${5000 - k}i,clock_synced=true,agent_version="0.1.0",firmware="1.0" ${now0 - 3 * 3_600_000 - k * 300_000}`,
    )
  }
  await influx.write(DB, lines.join('\n'), 'ms')
})

afterAll(async () => {
  await influx?.stop()
})

describe('Grafana provisioning', () => {
  it('has an InfluxQL datasource from INFLUX_URL, INFLUX_DB and INFLUX_TOKEN, and a file provider', () => {
    const ds = parse(readFileSync(new URL('provisioning/datasources/influxdb.yaml', DIR), 'utf8'))
    const source = ds.datasources[0]
    expect(source.type).toBe('influxdb')
    expect(source.uid).toBe('streetsense-influxql')
    expect(source.url).toBe(envRef('INFLUX_URL'))
    expect(source.jsonData.dbName).toBe(envRef('INFLUX_DB'))
    expect(source.secureJsonData.httpHeaderValue1).toBe(`Token ${envRef('INFLUX_TOKEN')}`)
    const providers = parse(readFileSync(new URL('provisioning/dashboards/streetsense.yaml', DIR), 'utf8'))
    expect(providers.providers[0].type).toBe('file')
  })

  it('dashboard files hold what generate.ts writes', () => {
    const generated = allDashboards()
    expect(files.sort()).toEqual(Object.keys(generated).sort())
    // Compared as JSON: biome formats the files after generate.ts writes them.
    for (const f of files) expect(load(f), f).toEqual(JSON.parse(serialise(generated[f])))
  })
})

describe.each(files)('dashboard %s', (file) => {
  const dash = load(file) as Dash

  it('uses only the provisioned datasource, unique panel ids', () => {
    const uids = new Set([
      ...dash.panels.map((p) => p.datasource.uid),
      ...dash.templating.list.map((v) => v.datasource.uid),
    ])
    expect([...uids]).toEqual(['streetsense-influxql'])
    const ids = dash.panels.map((p: Json) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('fills its template variables from InfluxDB, then every panel query returns data', async () => {
    const vars: Record<string, string> = {}
    for (const v of dash.templating.list) {
      const rows = await influx.rows(interpolate(v.query, vars), DB)
      expect(rows.length, `variable ${v.name}`).toBeGreaterThan(0)
      vars[v.name] = String(rows[0]!.value)
    }
    for (const p of dash.panels) {
      for (const t of p.targets) {
        expect(t.rawQuery).toBe(true)
        const q = interpolate(t.query, vars)
        expect(q, p.title).not.toMatch(/\$[a-z_]/i)
        const body = await influx.query(q, DB)
        const series = body.results[0]?.series ?? []
        const values = series.flatMap((s) => s.values.flatMap((row) => row.slice(1))).filter((v) => v !== null)
        expect(values.length, `${p.title}: ${q}`).toBeGreaterThan(0)
      }
    }
  })
})

describe('dashboard semantics', () => {
  it('air quality thresholds are the DAQI band boundaries', () => {
    const air = load('air-quality.json') as Dash
    for (const [field, label] of [
      ['pm2_5', 'PM2.5'],
      ['pm10', 'PM10'],
      ['no2', 'NO₂'],
      ['o3', 'O₃'],
    ] as const) {
      const p = air.panels.find((x) => x.title.startsWith(`${label} by sensor`))!
      const steps = p.fieldConfig.defaults.thresholds!.steps.map((s) => s.value)
      const b = DAQI_BREAKPOINTS[field]
      expect(steps).toEqual([null, b[3], b[6], b[9]])
    }
  })

  it('the silent-devices panel lists the device last heard 3 hours ago and not the live one', async () => {
    const health = load('platform-health.json') as Dash
    const p = health.panels.find((x) => x.title === 'Devices not heard from for an hour')!
    const rows = await influx.rows(interpolate(p.targets[0]!.query, {}), DB)
    expect(rows.map((r) => r.sensor)).toEqual(['hackney-tr-0007'])
  })
})
