/**
 * kill -9 of a broker with the default memory persistence, against real processes: Aedes sends
 * the PUBACK before it has stored or delivered a message, so the crash loses readings the devices
 * already have acknowledged. The devices are real edge agents, which keep acknowledged readings
 * for a while; the ingest finds the holes in each sensor's seqs and asks for them again. Asserted:
 * zero acknowledged readings lost (per sensor, every seq 1..N in InfluxDB exactly once).
 */
import { describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/ports.js'
import { drained, loseQueuedBacklogs, nodePlatform, nodeTally, outboxState, startAgent } from './edge-nodes.js'
import { expectNothingLost, report } from './fault-kit.js'
import { describeRepair, REPAIR_ARGS, settledRepair } from './repair-figures.js'

const QUEUED = ['mq-1', 'mq-2', 'mq-3']
const FAST = ['mf-1', 'mf-2', 'mf-3', 'mf-4']

describe('faults: memory broker killed, readings repaired from the devices', () => {
  const np = nodePlatform([...QUEUED, ...FAST], {
    ingestArgs: REPAIR_ARGS,
    // paces each device (messages/s) for the load test
    brokerArgs: ['--publishes-per-second-per-device', '25', '--publish-burst', '5'],
  })
  const node = (sensor: string, backlog: number) =>
    np.node(sensor, backlog, { statusIntervalSeconds: 1, inFlight: 10, batchSize: 10 })

  it('kill -9 with readings queued for a stopped ingest: every one recovered', async () => {
    const backlog = 200
    const configs = Object.fromEntries(QUEUED.map((s) => [s, node(s, backlog)]))
    const lost = await loseQueuedBacklogs(np.p, np.dir, configs)
    np.agents.push(...lost.agents)
    await np.p.startIngest()
    const t = await nodeTally(np.p, np.dir, QUEUED)
    const r = await settledRepair(np.p.ingest)
    report(
      'memory broker kill -9, queued for a stopped ingest',
      t,
      `${describeRepair(r)} acknowledged_before_kill=${lost.acknowledged}`,
    )
    expectNothingLost(t)
    expect(t.stored).toBe(QUEUED.length * backlog)
    expect(lost.acknowledged).toBe(QUEUED.length * backlog) // all acknowledged, then all lost...
    expect(r.recovered).toBe(QUEUED.length * backlog) // ...and all repaired from the devices
    expect(r.gapsUnrecoverable).toBe(0)
  }, 120_000)

  it('kill -9 at ~1,000 readings/s: the acknowledged readings lost in the crash are recovered', async () => {
    const backlog = 2000
    // 4 devices x 25 messages/s x 10 readings: about 1,000 readings/s offered
    const configs = FAST.map((s) => node(s, backlog))
    np.agents.push(...(await Promise.all(configs.map(startAgent))))
    const acked = () => FAST.reduce((n, s) => n + outboxState(np.dir, s).sent.size, 0)
    await waitFor(() => acked() > 2000, 30_000, 'load running')
    const atKill = acked()
    const port = np.p.broker.ports.mqtt
    await np.p.broker.kill()
    await np.p.startBroker([], port) // devices and the ingest reconnect by themselves
    await drained(np.dir, FAST)
    const t = await nodeTally(np.p, np.dir, FAST)
    const r = await settledRepair(np.p.ingest)
    report('memory broker kill -9 at ~1,000 readings/s', t, `${describeRepair(r)} acknowledged_at_kill=${atKill}`)
    expectNothingLost(t)
    expect(t.stored).toBe(FAST.length * backlog)
    expect(r.gapsUnrecoverable).toBe(0)
  }, 120_000)
})
