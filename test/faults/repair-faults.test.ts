/**
 * Gap repair when the device misbehaves too, against real processes: the edge agent killed in the
 * middle of serving a resend, and the device offline when its resend request is sent. The loss
 * comes from a kill -9 of the memory broker with the readings queued for a stopped ingest (all of
 * them lost, see broker-kill-faults.test.ts). Asserted: zero acknowledged readings lost.
 */
import { describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/ports.js'
import {
  drained,
  loseQueuedBacklogs,
  nodePlatform,
  nodeTally,
  outboxState,
  startAgent,
  storedCount,
} from './edge-nodes.js'
import { expectNothingLost, report } from './fault-kit.js'
import { describeRepair, REPAIR_ARGS, repairFigures, settledRepair } from './repair-figures.js'

describe('faults: gap repair with a restarted or offline device', () => {
  const np = nodePlatform(['ra-1', 'ro-1'], {
    ingestArgs: REPAIR_ARGS,
    // 50 messages/s of 4 readings per device: serving a resend of 600 takes seconds (time for the kill)
    brokerArgs: ['--publishes-per-second-per-device', '50', '--publish-burst', '10'],
  })
  const node = (sensor: string, backlog: number) => np.node(sensor, backlog, { statusIntervalSeconds: 1, batchSize: 4 })

  it('edge agent killed while serving a resend: it finishes after its restart, nothing lost', async () => {
    const backlog = 600
    const config = node('ra-1', backlog)
    const lost = await loseQueuedBacklogs(np.p, np.dir, { 'ra-1': config })
    np.agents.push(...lost.agents)
    await np.p.startIngest()
    // the resend is being served: some of the lost readings are back, others still pending
    await waitFor(async () => (await storedCount(np.p, 'ra-1')) >= 100, 30_000, 'resend under way')
    await lost.agents[0]!.kill()
    const atKill = outboxState(np.dir, 'ra-1')
    expect(atKill.pending).toBeGreaterThan(0) // it really was mid-resend
    np.agents.push(await startAgent(config))
    await drained(np.dir, ['ra-1'])
    const t = await nodeTally(np.p, np.dir, ['ra-1'])
    const r = await settledRepair(np.p.ingest)
    report('edge agent kill -9 while serving a resend', t, `${describeRepair(r)} pending_at_kill=${atKill.pending}`)
    expectNothingLost(t)
    expect(t.stored).toBe(backlog)
    expect(r.recovered).toBe(backlog)
  }, 120_000)

  it('device offline when its resend request is sent: it gets the request on reconnect', async () => {
    const backlog = 300
    const config = node('ro-1', backlog)
    const lost = await loseQueuedBacklogs(np.p, np.dir, { 'ro-1': config })
    np.agents.push(...lost.agents)
    // a grace period long enough to take the device offline once its heartbeat showed the loss
    await np.p.startIngest(['--repair-grace-ms', '3000'])
    await waitFor(async () => (await repairFigures(np.p.ingest)).gapsInGrace > 0, 30_000, 'the gap noticed')
    await lost.agents[0]!.stop()
    await waitFor(async () => (await repairFigures(np.p.ingest)).resendRequests > 0, 30_000, 'a resend request')
    const whileOffline = await repairFigures(np.p.ingest)
    expect(await storedCount(np.p, 'ro-1')).toBe(0)
    const back = await startAgent(config) // its persistent session holds the request
    np.agents.push(back)
    const t = await nodeTally(np.p, np.dir, ['ro-1'])
    const r = await settledRepair(np.p.ingest)
    report(
      'device offline when its resend request was sent',
      t,
      `${describeRepair(r)} requests_while_offline=${whileOffline.resendRequests}`,
    )
    expectNothingLost(t)
    expect(t.stored).toBe(backlog)
    expect(back.output()).toContain('"msg":"resending"')
  }, 120_000)
})
