import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { loadIngestConfig } from '../../ingest/config.js'
import { openQuarantine } from '../../ingest/quarantine/quarantine.js'

const run = promisify(execFile)
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['bin/streetsense.js', ...args], { env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )

describe('streetsense ingest / quarantine commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-cli-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('fails at start naming the bad setting, from a flag or the environment', async () => {
    const org = await cli(['ingest', '--data-dir', dir, '--influx-org', 'boroughs'])
    expect(org.code).toBe(1)
    expect(org.stderr).toMatch(/--influx-bucket \/ STREETSENSE_INFLUX_BUCKET/)
    const env = await cli(['ingest', '--data-dir', dir], { STREETSENSE_MQTT_CONNECTIONS: 'many' })
    expect(env.code).toBe(1)
    expect(env.stderr).toMatch(/--mqtt-connections \/ STREETSENSE_MQTT_CONNECTIONS/)
    expect(() => loadIngestConfig({ boroughs: 'E09000001,E09000099' }, {})).toThrow(/--boroughs/)
    expect(loadIngestConfig({ boroughs: 'E09000001,E09000002' }, { STREETSENSE_HTTP_PORT: '9000' })).toMatchObject({
      boroughs: ['E09000001', 'E09000002'],
      httpPort: 9000,
      influxDb: 'streetsense',
    })
  })

  it('lists the quarantine as text and JSON', async () => {
    const q = openQuarantine(dir, { maxRows: 10, maxAgeDays: 1 })
    q.add({
      code: 'READING_INVALID',
      reason: 'reading does not match the schema',
      schema: 'https://streetsense.london/schemas/reading.v1.json',
      sensor: 'cam-9',
      borough: 'E09000007',
      topic: 'streetsense/v1/E09000007/cam-9/air',
      raw: '{"seq":1}',
      errors: [{ path: '/values', message: 'must have required property values', keyword: 'required' }],
    })
    q.close()
    const json = await cli(['quarantine', 'list', '--data-dir', dir, '--json'])
    expect(json.code).toBe(0)
    const body = JSON.parse(json.stdout) as { count: number; items: { sensor: string; raw: string }[] }
    expect(body.count).toBe(1)
    expect(body.items[0]).toMatchObject({ sensor: 'cam-9', raw: '{"seq":1}' })
    const text = await cli(['quarantine', 'list', '--data-dir', dir])
    expect(text.stdout).toMatch(/READING_INVALID sensor=cam-9/)
    expect(text.stdout).toMatch(/\/values: must have required property values/)
  })

  it('bounds the quarantine by rows', () => {
    const d = join(dir, 'bounded')
    const q = openQuarantine(d, { maxRows: 5, maxAgeDays: 1 })
    for (let i = 0; i < 12; i++) q.add({ code: 'READING_NOT_JSON', reason: 'x', schema: 's', raw: `r${i}` })
    expect(q.count()).toBeLessThanOrEqual(5)
    expect(q.list({ limit: 1 })[0]?.raw).toBe('r11')
    q.close()
  })
})
