/**
 * Flow test of docs/ingest.md "Registering nodes in bulk": the CSV shown there goes through the
 * real `streetsense sensors import`, and a node then posts with the password it printed, into a
 * real influxd through an ingest reading that registry.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ingestConfig } from '../../ingest/config.js'
import { type RunningIngest, startIngest } from '../../ingest/index.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { cli, tempDir } from '../helpers/processes.js'
import { customApiBody, firmwareHeaders } from './airrohr-bodies.js'

const doc = readFileSync(new URL('../../docs/ingest.md', import.meta.url), 'utf8')
const csvBlock = /<!-- sc-import:start -->\n```csv\n([\s\S]*?)```\n<!-- sc-import:end -->/.exec(doc)?.[1]

describe('docs/ingest.md: registering Sensor.Community nodes in bulk', () => {
  const data = tempDir('ss-sc-import-')
  let influx: InfluxServer
  let ingest: RunningIngest
  let credentials: Record<string, string>

  beforeAll(async () => {
    expect(csvBlock).toBeDefined()
    const file = join(data.dir, 'sc-nodes.csv')
    writeFileSync(file, csvBlock!)
    const out = await cli(['sensors', 'import', file, '--data-dir', data.dir])
    const [header, ...lines] = out.trim().split('\n')
    expect(header).toBe('username,password')
    credentials = Object.fromEntries(lines.map((l) => l.split(',') as [string, string]))
    influx = await startInfluxd()
    const config = ingestConfig({ dataDir: data.dir, httpHost: '127.0.0.1', httpPort: 0, influxUrl: influx.url })
    ingest = await startIngest(config, { mqtt: false, logger: pino({ level: 'silent' }) })
  })
  afterAll(async () => {
    await ingest?.close()
    await influx?.stop()
    data.remove()
  })

  it('issues a password per node, with which the node posts its readings', async () => {
    expect(Object.keys(credentials).sort()).toEqual(['sc-1234567', 'sc-7654321'])
    const body = customApiBody('7654321', [
      ['SPS30_P0', 3.1],
      ['SPS30_P2', 4.2],
      ['SPS30_P4', 4.4],
      ['SPS30_P1', 4.9],
      ['SPS30_N1', 30.5],
      ['SHT3X_temperature', 6.5],
      ['SHT3X_humidity', 85],
    ])
    const headers = firmwareHeaders('7654321', { user: 'sc-7654321', password: credentials['sc-7654321'] })
    const res = await fetch(`http://127.0.0.1:${ingest.port}/v1/sensor-community`, { method: 'POST', headers, body })
    expect(res.status).toBe(200)
    const q = "SELECT pm4, pnc1, temperature, borough FROM air WHERE sensor = 'sc-7654321'"
    await waitFor(async () => (await influx.rows(q, 'streetsense').catch(() => [])).length === 1, 20_000, 'stored')
    expect((await influx.rows(q, 'streetsense'))[0]).toMatchObject({
      pm4: 4.4,
      pnc1: 30.5,
      temperature: 6.5,
      borough: 'E09000007',
    })
  })
})
