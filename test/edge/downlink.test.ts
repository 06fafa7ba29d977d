/**
 * The node's downlink against a real broker: cmd (status, resend, set_interval) and errors
 * (rejected readings are marked, counted in the heartbeat, and never resent).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { createEdgeAgent } from '../../edge/agent.js'
import { parseEdgeConfig } from '../../edge/config.js'
import type { DeviceStatus } from '../../schemas/types.gen.js'
import { validateStatus } from '../../schemas/validate.js'
import { startPlainAedes } from '../helpers/aedes.js'
import { waitFor } from '../helpers/ports.js'
import { tapReadings } from './helpers/broker-tap.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('edge downlink', () => {
  it('answers status, resends on request, applies set_interval, and stops resending rejected readings', async () => {
    const broker = await startPlainAedes()
    cleanups.push(() => broker.close())
    const tap = tapReadings(broker.broker)
    const statuses: DeviceStatus[] = []
    broker.broker.on('publish', (packet, client) => {
      if (client && packet.topic.endsWith('/status')) statuses.push(JSON.parse(packet.payload.toString()))
    })
    const dir = mkdtempSync(join(tmpdir(), 'edge-downlink-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const config = parseEdgeConfig({
      sensor: { id: 'hck-traffic-7', borough: 'E09000012', kind: 'traffic' },
      broker: { url: broker.url, reconnectMinMs: 200 },
      publishIntervalSeconds: 1,
      statusIntervalSeconds: 3600,
      dataDir: dir,
      sensors: [{ driver: 'simulated', seed: 9, sampleMs: 100 }],
    })
    const agent = createEdgeAgent(config, {
      logger: pino({ level: 'silent' }),
      clock: async () => ({ synced: true, source: 'timedatectl', detail: 'test' }),
    })
    await agent.start()
    cleanups.push(() => agent.stop())
    const ops = mqtt.connect(broker.url, { clientId: `ops-${process.pid}`, protocolVersion: 4 })
    cleanups.push(() => new Promise<void>((r) => ops.end(true, {}, () => r())))
    await new Promise((r) => ops.once('connect', r))
    const expires_at = new Date(Date.now() + 3_600_000).toISOString()
    let n = 0
    const down = (channel: string, body: Record<string, unknown>) => {
      const envelope = channel === 'cmd' ? { id: `t${++n}`, expires_at, ...body } : body
      return ops.publishAsync(`streetsense/v1/E09000012/hck-traffic-7/${channel}`, JSON.stringify(envelope), {
        qos: 1,
      })
    }

    await waitFor(() => tap.maxSeq() >= 3, 30_000, 'readings')
    expect(tap.readings[0]).toMatchObject({
      kind: 'traffic',
      interval: 1,
      quality: { grade: 'indicative', status: 'raw' },
    })
    expect(tap.readings[0]!.quality?.flags).toBeUndefined() // clock synced

    await down('cmd', { command: 'status', id: 'q1' })
    await waitFor(() => statuses.length >= 1, 10_000, 'status')
    expect(validateStatus(statuses[0]).ok).toBe(true)
    expect(statuses[0]).toMatchObject({
      sensor: 'hck-traffic-7',
      borough: 'E09000012',
      clock_synced: true,
      firmware: 'simulated',
    })

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
    await down('cmd', { command: 'resend', from: 1, to: 3 })
    await waitFor(() => tap.readings.length >= before + 2, 10_000, 'resent readings')
    const resent = tap.readings.slice(before).map((r) => r.seq)
    expect(resent).toContain(1)
    expect(resent).toContain(3)
    expect(resent).not.toContain(2)

    await down('cmd', { command: 'set_interval', interval: 2 })
    await waitFor(() => tap.readings.some((r) => r.interval === 2), 20_000, 'new interval')

    // An invalid command is reported in the heartbeat, not obeyed.
    await down('cmd', { command: 'reboot' })
    await waitFor(
      () => agent.status().errors?.some((e) => e.code === 'IOT_EDGE_COMMAND_INVALID') ?? false,
      10_000,
      'invalid command noted',
    )
  })
})
