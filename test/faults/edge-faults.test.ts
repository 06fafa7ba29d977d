/**
 * Faults at the edge, against real processes: kill -9 of `streetsense edge run` mid-publish, and
 * the network between the agent and the broker dropped, stalled and flapping (a local TCP proxy).
 * The agent's outbox is pre-filled with a backlog of known readings (as after an outage), so it
 * publishes batches at QoS 1 throughout the fault. The outbox is the agent's record of what was
 * acknowledged (a row is marked sent only on PUBACK): every sent row must be in InfluxDB exactly
 * once, and at the end no row may be left pending.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Outbox } from '../../edge/publish/outbox.js'
import { waitFor } from '../helpers/ports.js'
import { type RunningProcess, spawnCli, tempDir } from '../helpers/processes.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import {
  BOROUGH,
  expectNothingLost,
  letFaultLast,
  type Platform,
  reading,
  report,
  startPlatform,
  storedSeqs,
  tally,
} from './fault-kit.js'

/** Writes a node config and a pre-filled outbox of `backlog` readings (seq 1..backlog). */
function prepareNode(dir: string, sensor: string, password: string, url: string, backlog: number): string {
  const dataDir = join(dir, sensor)
  const outbox = new Outbox(dataDir, { maxRows: 100_000, maxAgeHours: 720, retainSentHours: 168, retainSentMB: 64 })
  const drafts = Array.from({ length: backlog }, (_, i) => {
    const { seq: _seq, ...draft } = reading(sensor, i + 1)
    return draft
  })
  outbox.append(drafts)
  outbox.close()
  const config = {
    sensor: { id: sensor, borough: BOROUGH, kind: 'air' },
    broker: { url, username: sensor, password, keepaliveSeconds: 5, reconnectMinMs: 100, reconnectMaxMs: 1000 },
    // no live readings during the test: only the known backlog moves
    publishIntervalSeconds: 86400,
    statusIntervalSeconds: 86400,
    dataDir,
    outbox: { inFlight: 4, batchSize: 2 },
    sensors: [{ driver: 'simulated', sampleMs: 600000 }],
  }
  const file = join(dir, `${sensor}.json`)
  writeFileSync(file, JSON.stringify(config))
  return file
}

/** What the outbox says: sent (acknowledged) and pending seqs. */
function outboxState(dir: string, sensor: string): { sent: Set<number>; pending: number; total: number } {
  const db = new Database(join(dir, sensor, 'outbox.sqlite'), { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare<[], { seq: number; state: string }>('SELECT seq, state FROM outbox').all()
    return {
      sent: new Set(rows.filter((r) => r.state === 'sent').map((r) => r.seq)),
      pending: rows.filter((r) => r.state === 'pending').length,
      total: rows.length,
    }
  } finally {
    db.close()
  }
}

const startAgent = async (configFile: string): Promise<RunningProcess> =>
  (
    await spawnCli(['edge', 'run', '--config', configFile], (l) => l.includes('edge agent started'), {
      STREETSENSE_LOG_LEVEL: 'info',
    })
  ).running

async function storedCount(p: Platform, sensor: string): Promise<number> {
  return (await storedSeqs(p.influx, sensor)).size
}

describe('faults: edge agent and network', () => {
  let p: Platform
  const work = tempDir('ss-edgefault-')
  const agents: RunningProcess[] = []

  beforeAll(async () => {
    // 50 messages/s per device at the broker, so a backlog takes seconds to drain (time for faults)
    p = await startPlatform(['ek-1', 'en-1'], {
      brokerArgs: ['--publishes-per-second-per-device', '50', '--publish-burst', '10'],
    })
  }, 240_000)
  afterAll(async () => {
    for (const a of agents) await a.kill()
    await p?.close()
    work.remove()
  })

  it('kill -9 of the edge agent mid-publish: every acknowledged reading stored once, none left behind', async () => {
    const backlog = 600
    const config = prepareNode(work.dir, 'ek-1', p.sensors['ek-1']!.password, p.broker.url, backlog)
    const first = await startAgent(config)
    agents.push(first)
    await waitFor(async () => (await storedCount(p, 'ek-1')) > 100, 30_000, 'some readings stored')
    await first.kill()
    const atKill = outboxState(work.dir, 'ek-1')
    expect(atKill.pending).toBeGreaterThan(0) // it really was mid-publish
    const second = await startAgent(config)
    agents.push(second)
    await waitFor(() => outboxState(work.dir, 'ek-1').pending === 0, 60_000, 'outbox drained')
    await second.stop()
    const state = outboxState(work.dir, 'ek-1')
    const t = await tally(p.influx, [{ sensor: 'ek-1', sent: state.total, acked: state.sent }])
    report('edge agent kill -9', t, `pending_at_kill=${atKill.pending}`)
    expectNothingLost(t)
    expect(t.stored).toBe(backlog)
  }, 120_000)

  // Regression: mqtt.js 5 reconnect() starts with an empty outgoing store and never calls the old
  // publish callbacks; the publisher used to keep its in-flight window full for ever after a drop
  // and publish nothing more. It now forgets the window on 'close' and resends from the first
  // unacknowledged row (edge/publish/publisher.ts forgetInFlight).
  it('network dropped, stalled and flapping between agent and broker: nothing acknowledged is lost', async () => {
    const proxy: TcpProxy = await startTcpProxy([{ port: p.broker.ports.mqtt }])
    try {
      const backlog = 1500
      const config = prepareNode(work.dir, 'en-1', p.sensors['en-1']!.password, proxy.url, backlog)
      const agent = await startAgent(config)
      agents.push(agent)
      const sentNow = () => outboxState(work.dir, 'en-1').sent.size
      await waitFor(() => sentNow() > 100, 30_000, 'publishing started')
      proxy.dropAll() // 1. every connection cut
      await waitFor(() => proxy.connections() > 0, 20_000, 'agent reconnected')
      const beforeStall = sentNow()
      proxy.stall() // 2. black hole for 4 s
      await letFaultLast(4000)
      const duringStall = sentNow()
      proxy.resume()
      const stopFlap = proxy.flap(1000) // 3. cut every second for 5 s
      await letFaultLast(5000)
      stopFlap()
      console.log(`network: after faults ${JSON.stringify({ ...outboxState(work.dir, 'en-1'), sent: sentNow() })}`)
      await waitFor(() => outboxState(work.dir, 'en-1').pending === 0, 90_000, 'outbox drained').catch((err) => {
        console.log(agent.output().slice(-3000))
        throw err
      })
      await agent.stop()
      const state = outboxState(work.dir, 'en-1')
      const t = await tally(p.influx, [{ sensor: 'en-1', sent: state.total, acked: state.sent }])
      report('network drop/stall/flap', t, `acked_during_4s_stall=${duringStall - beforeStall}`)
      expectNothingLost(t)
      expect(t.stored).toBe(backlog)
    } finally {
      await proxy.close()
    }
  }, 180_000)
})
