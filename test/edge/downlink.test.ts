/**
 * The node's downlink against a real broker: cmd (status, resend, set_interval), each answered on
 * the result topic (done, or refused with reason and code: invalid, unsupported, expired,
 * unreadable), repeated ids never run twice (also after a restart of the agent), and errors
 * (rejected readings are marked, counted in the heartbeat, and never resent).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { createEdgeAgent, type EdgeAgent } from '../../edge/agent.js'
import { type EdgeConfig, parseEdgeConfig } from '../../edge/config.js'
import type { CommandResult, DeviceStatus } from '../../schemas/types.gen.js'
import { validateCommandResult, validateStatus } from '../../schemas/validate.js'
import { startPlainAedes, type TestBroker } from '../helpers/aedes.js'
import { waitFor } from '../helpers/ports.js'
import { tapReadings } from './helpers/broker-tap.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const SENSOR = 'hck-traffic-7'
const BOROUGH = 'E09000012'

function nodeConfig(broker: TestBroker, dir: string): EdgeConfig {
  return parseEdgeConfig({
    sensor: { id: SENSOR, borough: BOROUGH, kind: 'traffic' },
    broker: { url: broker.url, reconnectMinMs: 200 },
    publishIntervalSeconds: 1,
    statusIntervalSeconds: 3600,
    dataDir: dir,
    sensors: [{ driver: 'simulated', seed: 9, sampleMs: 100 }],
  })
}

async function startAgent(config: EdgeConfig): Promise<EdgeAgent> {
  const agent = createEdgeAgent(config, {
    logger: pino({ level: 'silent' }),
    clock: async () => ({ synced: true, source: 'timedatectl', detail: 'test' }),
  })
  await agent.start()
  return agent
}

/** A broker with the node's readings, heartbeats and answers recorded, and an operator client. */
async function setUp() {
  const broker = await startPlainAedes()
  cleanups.push(() => broker.close())
  const tap = tapReadings(broker.broker)
  const statuses: DeviceStatus[] = []
  const results: CommandResult[] = []
  const subscribed = { count: 0 }
  broker.broker.on('subscribe', (_subs, client) => {
    if (client?.id === SENSOR) subscribed.count++
  })
  broker.broker.on('publish', (packet, client) => {
    if (!client) return
    if (packet.topic.endsWith('/status')) statuses.push(JSON.parse(packet.payload.toString()))
    if (packet.topic.endsWith('/result')) results.push(JSON.parse(packet.payload.toString()))
  })
  const dir = mkdtempSync(join(tmpdir(), 'edge-downlink-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const ops = mqtt.connect(broker.url, { clientId: `ops-${process.pid}`, protocolVersion: 4 })
  cleanups.push(() => new Promise<void>((r) => ops.end(true, {}, () => r())))
  await new Promise((r) => ops.once('connect', r))
  let n = 0
  const down = (channel: string, body: Record<string, unknown> | string, expiresInMs = 3_600_000) => {
    const expires_at = new Date(Date.now() + expiresInMs).toISOString()
    const message = typeof body === 'string' || channel !== 'cmd' ? body : { id: `t${++n}`, expires_at, ...body }
    const payload = typeof message === 'string' ? message : JSON.stringify(message)
    return ops.publishAsync(`streetsense/v1/${BOROUGH}/${SENSOR}/${channel}`, payload, { qos: 1 })
  }
  const answer = async (id: string) => {
    await waitFor(() => results.some((r) => r.id === id), 10_000, `answer to ${id}`)
    return results.find((r) => r.id === id)!
  }
  /** Starts an agent and waits until it has subscribed to its downlink. */
  const start = async (config: EdgeConfig) => {
    const before = subscribed.count
    const agent = await startAgent(config)
    await waitFor(() => subscribed.count > before, 10_000, 'the agent subscribed')
    return agent
  }
  return { broker, tap, statuses, results, dir, down, answer, start }
}

describe('edge downlink', () => {
  it('answers status, resends on request, applies set_interval, and stops resending rejected readings', async () => {
    const { broker, tap, statuses, results, dir, down, answer } = await setUp()
    const agent = await startAgent(nodeConfig(broker, dir))
    cleanups.push(() => agent.stop())

    await waitFor(() => tap.maxSeq() >= 3, 30_000, 'readings')
    expect(tap.readings[0]).toMatchObject({
      kind: 'traffic',
      interval: 1,
      quality: { grade: 'indicative', status: 'raw' },
    })
    expect(tap.readings[0]!.quality?.flags).toBeUndefined() // clock synced

    await down('cmd', { command: 'status', id: 'q1' })
    expect(await answer('q1')).toMatchObject({ sensor: SENSOR, borough: BOROUGH, command: 'status', status: 'done' })
    await waitFor(() => statuses.length >= 1, 10_000, 'status')
    expect(validateStatus(statuses[0]).ok).toBe(true)
    expect(statuses[0]).toMatchObject({ sensor: SENSOR, borough: BOROUGH, clock_synced: true, firmware: 'simulated' })

    // The platform rejects seq 2: marked, counted once, never resent.
    await down('errors', {
      code: 'READING_INVALID',
      reason: 'test',
      schema: 'x',
      seq: [2],
      time: new Date().toISOString(),
    })
    await waitFor(() => agent.status().rejected === 1, 10_000, 'rejected count')
    const before = tap.readings.length
    await down('cmd', { command: 'resend', from: 1, to: 3, id: 'r1' })
    expect(await answer('r1')).toMatchObject({ status: 'done', detail: { from: 1, to: 3, requeued: 2 } })
    await waitFor(() => tap.readings.length >= before + 2, 10_000, 'resent readings')
    const resent = tap.readings.slice(before).map((r) => r.seq)
    expect(resent).toContain(1)
    expect(resent).toContain(3)
    expect(resent).not.toContain(2)
    // every heartbeat (one follows each command) says what the node can still resend
    await waitFor(() => statuses.length >= 2, 10_000, 'heartbeat after the resend')
    const beat = statuses[statuses.length - 1]!
    expect(validateStatus(beat).ok).toBe(true)
    expect(beat).toMatchObject({ resendable_from: 1, retained_evicted: 0 })
    expect(beat.last_seq).toBeGreaterThanOrEqual(3)
    expect(beat.retained).toBeGreaterThanOrEqual(0)

    await down('cmd', { command: 'set_interval', interval: 2, id: 's1' })
    expect(await answer('s1')).toMatchObject({ status: 'done', detail: { interval: 2 } })
    await waitFor(() => tap.readings.some((r) => r.interval === 2), 20_000, 'new interval')
    for (const r of results) expect(validateCommandResult(r)).toEqual({ ok: true, value: r })
  })

  it('refuses invalid, unknown, unreadable and expired commands with reason and code, and never runs an id twice', async () => {
    const { broker, results, dir, down, answer, start } = await setUp()
    const config = nodeConfig(broker, dir)
    let agent = await start(config)
    cleanups.push(() => agent.stop())

    await down('cmd', { command: 'reboot', id: 'x1' })
    expect(await answer('x1')).toMatchObject({
      status: 'refused',
      command: 'reboot',
      code: 'IOT_EDGE_COMMAND_UNSUPPORTED',
    })
    await down('cmd', { command: 'set_interval', interval: 0, id: 'x2' })
    expect(await answer('x2')).toMatchObject({ status: 'refused', code: 'IOT_EDGE_COMMAND_INVALID' })
    expect((await answer('x2')).reason).toMatch(/interval/)
    await down('cmd', { command: 'resend', from: 9, to: 3, id: 'x3' })
    expect(await answer('x3')).toMatchObject({ status: 'refused', reason: 'invalid: from is greater than to' })
    await down('cmd', 'resend everything')
    await waitFor(() => results.some((r) => r.id === 'unknown'), 10_000, 'answer to the unreadable command')
    expect(results.find((r) => r.id === 'unknown')).toMatchObject({
      status: 'refused',
      code: 'IOT_EDGE_COMMAND_INVALID',
    })
    // Expired while queued: refused, and not obeyed.
    await down('cmd', { command: 'set_interval', interval: 7, id: 'x4' }, -1000)
    expect(await answer('x4')).toMatchObject({ status: 'refused', reason: 'expired', code: 'IOT_EDGE_COMMAND_EXPIRED' })
    expect(agent.outbox.getSetting('interval')).toBeUndefined()
    expect(agent.status().errors?.map((e) => e.code)).toEqual(
      expect.arrayContaining(['IOT_EDGE_COMMAND_UNSUPPORTED', 'IOT_EDGE_COMMAND_INVALID']),
    )
    for (const r of results) expect(validateCommandResult(r)).toEqual({ ok: true, value: r })

    // A repeated id (QoS 1 redelivery) is not run again, also after the agent restarts.
    await down('cmd', { command: 'set_interval', interval: 5, id: 'once' })
    expect(await answer('once')).toMatchObject({ status: 'done' })
    await down('cmd', { command: 'set_interval', interval: 9, id: 'once' })
    await agent.stop()
    agent = await start(config)
    await down('cmd', { command: 'set_interval', interval: 11, id: 'once' })
    await down('cmd', { command: 'status', id: 'after' })
    await answer('after') // answers keep the order of the commands: 'once' would be answered by now
    expect(results.filter((r) => r.id === 'once')).toHaveLength(1)
    expect(agent.outbox.getSetting('interval')).toBe(5)
  })
})
