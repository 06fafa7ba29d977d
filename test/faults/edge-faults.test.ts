/**
 * Faults at the edge, against real processes: kill -9 of `streetsense edge run` mid-publish, and
 * the network between the agent and the broker dropped, stalled and flapping (a local TCP proxy).
 * The agent's outbox is pre-filled with a backlog of known readings (as after an outage), so it
 * publishes batches at QoS 1 throughout the fault. The outbox is the agent's record of what was
 * acknowledged (a row is marked sent only on PUBACK): every sent row must be in InfluxDB exactly
 * once, and at the end no row may be left pending.
 */
import { describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/ports.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import { nodePlatform, outboxState, startAgent, storedCount } from './edge-nodes.js'
import { expectNothingLost, letFaultLast, report, tally } from './fault-kit.js'

describe('faults: edge agent and network', () => {
  // 50 messages/s per device at the broker, so a backlog takes seconds to drain (time for faults)
  const np = nodePlatform(['ek-1', 'en-1'], {
    brokerArgs: ['--publishes-per-second-per-device', '50', '--publish-burst', '10'],
  })

  it('kill -9 of the edge agent mid-publish: every acknowledged reading stored once, none left behind', async () => {
    const backlog = 600
    const config = np.node('ek-1', backlog)
    const first = await startAgent(config)
    np.agents.push(first)
    await waitFor(async () => (await storedCount(np.p, 'ek-1')) > 100, 30_000, 'some readings stored')
    await first.kill()
    const atKill = outboxState(np.dir, 'ek-1')
    expect(atKill.pending).toBeGreaterThan(0) // it really was mid-publish
    const second = await startAgent(config)
    np.agents.push(second)
    await waitFor(() => outboxState(np.dir, 'ek-1').pending === 0, 60_000, 'outbox drained')
    await second.stop()
    const state = outboxState(np.dir, 'ek-1')
    const t = await tally(np.p.influx, [{ sensor: 'ek-1', sent: state.total, acked: state.sent }])
    report('edge agent kill -9', t, `pending_at_kill=${atKill.pending}`)
    expectNothingLost(t)
    expect(t.stored).toBe(backlog)
  }, 120_000)

  // Regression: mqtt.js 5 reconnect() starts with an empty outgoing store and never calls the old
  // publish callbacks; the publisher used to keep its in-flight window full for ever after a drop
  // and publish nothing more. It now forgets the window on 'close' and resends from the first
  // unacknowledged row (edge/publish/publisher.ts forgetInFlight).
  it('network dropped, stalled and flapping between agent and broker: nothing acknowledged is lost', async () => {
    const proxy: TcpProxy = await startTcpProxy([{ port: np.p.broker.ports.mqtt }])
    try {
      const backlog = 1500
      const config = np.node('en-1', backlog, { url: proxy.url })
      const agent = await startAgent(config)
      np.agents.push(agent)
      const sentNow = () => outboxState(np.dir, 'en-1').sent.size
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
      console.log(`network: after faults ${JSON.stringify({ ...outboxState(np.dir, 'en-1'), sent: sentNow() })}`)
      await waitFor(() => outboxState(np.dir, 'en-1').pending === 0, 90_000, 'outbox drained').catch((err) => {
        console.log(agent.output().slice(-3000))
        throw err
      })
      await agent.stop()
      const state = outboxState(np.dir, 'en-1')
      const t = await tally(np.p.influx, [{ sensor: 'en-1', sent: state.total, acked: state.sent }])
      report('network drop/stall/flap', t, `acked_during_4s_stall=${duringStall - beforeStall}`)
      expectNothingLost(t)
      expect(t.stored).toBe(backlog)
    } finally {
      await proxy.close()
    }
  }, 180_000)
})
