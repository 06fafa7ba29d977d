/**
 * The governance commands as an operator runs them (`streetsense ...` processes) against a real
 * influxd, a real `streetsense broker` and a real `streetsense ingest`: agreements and DPIA
 * records recorded and listed (bad flags named, exit 1), retention counted then enforced from
 * the CLI, an erasure requested with `data erase` and carried out by the running ingest (checked
 * in InfluxDB), and the ingest's /metrics surfacing the overdue review for alerting.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { utcDay } from '../../registry/index.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  type BrokerProcess,
  cli,
  type IngestProcess,
  startBroker,
  startIngest,
  tempDir,
} from '../helpers/processes.js'

const CAMDEN = 'E09000007'
const DAY = 86_400_000
const NOW = Date.now()
const DB = 'streetsense'
const run = promisify(execFile)

/** A command expected to fail: its exit code and its JSON error line. */
async function failing(args: string[]): Promise<{ code: number; error: { code: string; field?: string } }> {
  try {
    await run(process.execPath, ['bin/streetsense.js', ...args], {
      env: { ...process.env, STREETSENSE_LOG_LEVEL: 'warn' },
    })
  } catch (err) {
    const e = err as { code: number; stdout: string }
    return { code: e.code, error: (JSON.parse(e.stdout.trim().split('\n').pop()!) as { error: never }).error }
  }
  throw new Error(`streetsense ${args.join(' ')} succeeded`)
}

describe('governance commands (real processes, real influxd)', () => {
  const data = tempDir('ss-governance-cli-')
  const d = ['--data-dir', data.dir, '--json']
  let influx: InfluxServer
  let broker: BrokerProcess | undefined
  let ingest: IngestProcess | undefined
  const seqs = async (sensor: string) =>
    (await influx.rows(`SELECT seq FROM air WHERE sensor = '${sensor}' ORDER BY time`, DB)).map((r) => Number(r.seq))

  beforeAll(async () => {
    influx = await startInfluxd()
    await influx.createDatabase(DB)
    for (const [id, retention] of [
      ['cam-1', 'P30D'],
      ['cam-2', 'P5Y'],
    ] as const) {
      await cli(['sensors', 'add', ...d, '--id', id, '--borough', CAMDEN, '--kind', 'air', '--retention', retention])
    }
    const line = (id: string, ago: number, seq: number) =>
      `air,borough=${CAMDEN},sensor=${id} pm2_5=1,seq=${seq}i,interval=60i,suspect=false ${NOW - ago}`
    await influx.write(
      DB,
      [
        line('cam-1', 40 * DAY, 1),
        line('cam-1', 2 * DAY, 2),
        line('cam-2', 40 * DAY, 1),
        line('cam-2', 2 * DAY, 2),
      ].join('\n'),
      'ms',
    )
  })
  afterAll(async () => {
    await ingest?.stop()
    await broker?.stop()
    await influx?.stop()
    data.remove()
  })

  it('records agreements and DPIAs from flags, names a bad flag, lists overdue reviews', async () => {
    const added = JSON.parse(
      await cli([
        'agreements',
        'add',
        ...d,
        '--reference',
        'CAM-DSA-2',
        '--borough',
        CAMDEN,
        '--partners',
        'Hackney, islington',
        '--purpose',
        'Joint school streets evaluation',
        '--starts',
        utcDay(NOW - 100 * DAY),
        '--review',
        utcDay(NOW + 100 * DAY),
      ]),
    ) as { partners: string[] }
    expect(added.partners).toEqual(['E09000012', 'E09000019'])
    const updated = JSON.parse(
      await cli(['agreements', 'update', 'CAM-DSA-2', ...d, '--sensors', 'cam-1', '--ends', utcDay(NOW + 300 * DAY)]),
    ) as { sensors: string[]; ends: string; purpose: string }
    expect(updated).toMatchObject({ sensors: ['cam-1'], purpose: 'Joint school streets evaluation' })
    const bad = await failing(['agreements', 'update', 'CAM-DSA-2', ...d, '--review', '2026-13-01'])
    expect(bad).toMatchObject({ code: 1, error: { code: 'IOT_REGISTRY_INVALID_RECORD', field: 'review' } })
    const unknown = await failing(['agreements', 'update', 'CAM-DSA-2', ...d, '--partners', 'Hackney,Atlantis'])
    expect(unknown).toMatchObject({ code: 1, error: { code: 'IOT_USAGE', field: 'partners' } })
    await cli([
      'dpias',
      'add',
      ...d,
      '--reference',
      'CAM-DPIA-1',
      '--borough',
      'Camden',
      '--title',
      'Street air sensors',
      '--purpose',
      'Air quality near schools',
      '--url',
      'https://camden.example/dpia/1',
      '--sensors',
      'cam-1,cam-2',
      '--approved',
      utcDay(NOW - 400 * DAY),
      '--review',
      utcDay(NOW - DAY),
    ])
    const overdue = JSON.parse(await cli(['dpias', 'list', '--overdue', '--borough', 'camden', ...d])) as {
      reference: string
    }[]
    expect(overdue.map((r) => r.reference)).toEqual(['CAM-DPIA-1'])
    expect(JSON.parse(await cli(['agreements', 'list', '--overdue', ...d]))).toEqual([])
    const show = JSON.parse(await cli(['sensors', 'show', 'cam-1', ...d])) as { audit: { actor: string }[] }
    expect(show.audit.length).toBeGreaterThan(0)
  })

  it('counts, then enforces, retention from the command line', async () => {
    const flags = ['--influx-url', influx.url, '--influx-db', DB]
    const dry = JSON.parse(await cli(['data', 'retention', '--dry-run', ...d, ...flags])) as {
      runs: { sensor: string; points: number }[]
    }
    expect(dry.runs).toEqual([expect.objectContaining({ sensor: 'cam-1', points: 1 })])
    expect(await seqs('cam-1')).toEqual([1, 2])
    await cli(['data', 'retention', ...d, ...flags])
    expect(await seqs('cam-1')).toEqual([2])
    expect(await seqs('cam-2')).toEqual([1, 2])
  })

  it('erases through the running ingest, and the ingest shows the overdue review in /metrics', async () => {
    const creds = await addAccount(data.dir, 'ingest', 'ingest')
    broker = await startBroker(data.dir)
    ingest = await startIngest({
      dataDir: data.dir,
      mqttUrl: broker.url,
      ...creds,
      influxUrl: influx.url,
      args: ['--governance-poll-ms', '100'],
    })
    const out = await cli([
      'data',
      'erase',
      ...d,
      '--sensor',
      'cam-2',
      '--from',
      new Date(NOW - 50 * DAY).toISOString(),
      '--reason',
      'withdrawn consent, ref 12',
    ])
    const erasure = JSON.parse(out) as { status: string; result: { influx_points: number } }
    expect(erasure).toMatchObject({ status: 'done', result: { influx_points: 2 } })
    expect(await seqs('cam-2')).toEqual([])
    expect(await seqs('cam-1')).toEqual([2])
    const listed = JSON.parse(await cli(['data', 'erasures', ...d, '--sensor', 'cam-2'])) as { requested_by: string }[]
    expect(listed[0]!.requested_by).toMatch(/^cli:/)
    let metrics = ''
    await waitFor(async () => {
      metrics = await (await fetch(`${ingest!.opsUrl}/metrics`)).text()
      return metrics.includes('streetsense_governance_reviews_overdue')
    })
    expect(metrics).toContain(`streetsense_governance_reviews_overdue{kind="dpia",borough="${CAMDEN}"} 1`)
    expect(metrics).toMatch(/streetsense_erasures_waiting 0/)
  })
})
