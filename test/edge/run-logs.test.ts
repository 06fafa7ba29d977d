/**
 * What `streetsense edge run` says at info level against the real broker: that it connected,
 * when the first reading was delivered, each heartbeat, and a summary per period, never one
 * line per reading. A reader account counts the readings that really arrive. The summary line
 * itself (once a minute) is checked on the activity report with a real outbox.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ActivityReport } from '../../edge/publish/activity-report.js'
import { Outbox } from '../../edge/publish/outbox.js'
import { buildNodeConfig, writeNodeConfig } from '../../edge/tools/provision.js'
import { waitFor } from '../helpers/ports.js'
import { addAccount, addSensor, type BrokerProcess, startBroker, tempDir } from '../helpers/processes.js'

const data = tempDir('ss-run-logs-')
let broker: BrokerProcess
const cleanups: (() => void | Promise<void>)[] = []

beforeAll(async () => {
  broker = await startBroker(data.dir)
})

afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
  await broker?.stop()
  data.remove()
})

describe('edge run at info level', () => {
  it('says it connected, delivered its first reading and sent heartbeats, without a line per reading', async () => {
    const node = await addSensor(data.dir, 'cam-aq-logs', 'E09000007')
    const reader = await addAccount(data.dir, 'reader-logs', 'reader')
    const config = join(data.dir, 'node.json')
    writeNodeConfig(config, {
      ...buildNodeConfig({
        sensor: node.username,
        password: node.password,
        brokerUrl: broker.url,
        borough: 'E09000007',
        kind: 'air',
        dataDir: join(data.dir, 'node'),
      }),
      publishIntervalSeconds: 1,
      statusIntervalSeconds: 2,
    } as never)

    const arrived: string[] = []
    const sub = await mqtt.connectAsync(broker.url, { clientId: `${reader.username}/1`, ...reader, reconnectPeriod: 0 })
    cleanups.push(() => void sub.end(true))
    await sub.subscribeAsync('streetsense/v1/E09000007/cam-aq-logs/air', { qos: 1 })
    sub.on('message', (_t, payload) => arrived.push(payload.toString()))

    const proc: ChildProcess = spawn(process.execPath, ['bin/streetsense.js', 'edge', 'run', '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, STREETSENSE_LOG_LEVEL: 'info', STREETSENSE_LOG_FORMAT: 'json' },
    })
    cleanups.push(() => void proc.kill('SIGKILL'))
    let out = ''
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
    })
    const messages = () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .filter((l) => l.level === 30)
        .map((l) => l.msg)

    await waitFor(
      () => arrived.length >= 5 && messages().includes('heartbeat sent'),
      60_000,
      `readings and a heartbeat:\n${out}`,
    )
    const info = messages()
    expect(info).toContain('connected to broker')
    expect(info.filter((m) => m === 'first reading delivered to the broker')).toHaveLength(1)
    // Five readings arrived, yet no line was written per reading.
    expect(info.filter((m) => /reading/.test(m)).length).toBeLessThanOrEqual(2)
  })
})

describe('the activity report', () => {
  it('sums a period in one line: taken, delivered, waiting', () => {
    const dir = tempDir('ss-activity-')
    cleanups.push(() => dir.remove())
    const outbox = new Outbox(dir.dir, { maxRows: 100, maxAgeHours: 24, retainSentHours: 1, retainSentMB: 1 })
    cleanups.push(() => outbox.close())
    const lines: { msg: string; taken: number; delivered: number; waiting: number }[] = []
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) })
    const report = new ActivityReport(log, outbox, () => true, 1)
    expect(report.everyMs).toBe(60_000)
    report.noteTaken(3)
    report.noteDelivered([1, 2])
    report.report()
    expect(lines.map((l) => l.msg)).toEqual([
      'first reading delivered to the broker',
      'readings in the last minute: 3 taken, 2 delivered to the broker, 0 waiting',
    ])
    report.report()
    expect(lines[2]).toMatchObject({ taken: 0, delivered: 0 })
  })
})
