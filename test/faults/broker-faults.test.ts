/**
 * Broker faults, against real processes: a restart of a broker with Redis persistence (Debian
 * redis-server, AOF fsync always) while the ingest is offline; and one of two clustered brokers
 * killed mid-stream, with real edge agents failing over to the other node: Aedes PUBACKs before
 * it stores, so the kill loses acknowledged readings, and gap repair gets them back from the
 * devices. kill -9 of a memory broker is in broker-kill-faults.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/ports.js'
import { type RedisServer, type RunningProcess, runCommand, startRedis, tempDir } from '../helpers/processes.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { drained, nodeTally, outboxState, prepareNode, startAgent } from './edge-nodes.js'
import {
  expectNothingLost,
  letFaultLast,
  type Platform,
  readiness,
  report,
  SequencedDevice,
  startPlatform,
  tally,
} from './fault-kit.js'
import { describeRepair, REPAIR_ARGS, settledRepair } from './repair-figures.js'

const CLUSTER = ['rc-1', 'rc-2']
const PACED = ['--publishes-per-second-per-device', '50', '--publish-burst', '10']

describe('faults: broker restarts and crashes', () => {
  let redis: RedisServer
  let p: Platform
  const devices: SequencedDevice[] = []
  const agents: RunningProcess[] = []
  const work = tempDir('ss-brokerfault-')

  beforeAll(async () => {
    redis = await startRedis()
    p = await startPlatform(['rr-1', 'rr-2', 'rr-3', ...CLUSTER], {
      brokerArgs: ['--redis-url', redis.url],
      ingestArgs: REPAIR_ARGS,
    })
  }, 240_000)
  afterAll(async () => {
    for (const d of devices) d.end()
    for (const a of agents) await a.kill()
    await p?.close()
    await redis?.stop()
    work.remove()
  })

  async function restartWithQueuedMessages(
    sensor: string,
    pauseBeforeRestartMs: number,
    stall?: { name: string; start: () => Promise<void> },
  ) {
    const consumerId = (await readiness(p.ingest)).mqtt[0]!.clientId // subscribed: p.startIngest waited
    await p.ingest.stop() // its persistent session (subscriptions) stays in Redis
    const d = new SequencedDevice(sensor, p.sensors[sensor]!, p.broker.url)
    devices.push(d)
    await d.connected()
    await stall?.start()
    await d.publish(1, 300, 5)
    await d.settled()
    expect(d.acked.size).toBe(300)
    d.end()
    await letFaultLast(pauseBeforeRestartMs) // how long after the last PUBACK the broker restarts
    const port = p.broker.ports.mqtt
    await p.broker.stop() // graceful (SIGTERM)
    // What the stopped broker left in Redis for the ingest: tells a broker-side loss from an ingest-side one.
    const inRedis = await redisState(consumerId)
    await p.startBroker([], port)
    await p.startIngest()
    const t = await tally(p.influx, [d])
    const name = `broker restart ${pauseBeforeRestartMs} ms after the last PUBACK, Redis persistence, ingest offline${stall ? `, ${stall.name}` : ''}`
    report(name, t, `queued_in_redis=${inRedis.queued} ingest_subscriptions_in_redis=${inRedis.subscriptions}`)
    if (t.lostAcknowledged > 0) {
      const r = JSON.stringify(await readiness(p.ingest))
      console.log(`ingest readiness: ${r}\ningest log:\n${p.ingest.output()}\nbroker log:\n${p.broker.output()}`)
    }
    expect(t.lostAcknowledged).toBe(0)
    expect(t.stored).toBe(300)
  }

  /** The ingest consumer's queue length and number of subscriptions, as Redis holds them. */
  async function redisState(clientId: string): Promise<{ queued: number; subscriptions: number }> {
    const port = new URL(redis.url).port
    const id = encodeURIComponent(clientId) // aedes-persistence-redis' key encoding
    const llen = await runCommand('redis-cli', ['-p', port, 'llen', `outgoing:${id}`])
    const hlen = await runCommand('redis-cli', ['-p', port, 'hlen', `client:${id}`])
    return { queued: Number(llen.stdout.trim()), subscriptions: Number(hlen.stdout.trim()) }
  }

  it('broker restart with Redis persistence: messages queued for an offline ingest survive', async () => {
    await restartWithQueuedMessages('rr-1', 1000)
  }, 120_000)

  // Regression: Aedes PUBACKs before it writes the packet to the offline subscriber's Redis queue,
  // and close() used to destroy the persistence without waiting for those writes (22 of 300 lost
  // in one run). close() now drains the emitter and pings its Redis connection first; and it waits
  // for publishes Aedes has acknowledged but not finished queueing (4 of 300 lost in a CI run).
  it('broker restart immediately after the last PUBACK loses nothing (Redis persistence)', async () => {
    await restartWithQueuedMessages('rr-2', 0)
  }, 120_000)

  // A Redis that stalls its writes (a slow fsync) across a graceful stop: the broker must not close
  // the persistence before the acknowledged readings are queued for the ingest. Written while
  // chasing one CI run that lost all 300 of the case above; it passes on that code too, so that
  // loss is still unexplained (docs/reliability.md, Open).
  it('broker stopped while Redis writes stall: it waits for them, nothing acknowledged is lost', async () => {
    const stallWrites = async () => {
      const port = new URL(redis.url).port
      const { stdout } = await runCommand('redis-cli', ['-p', port, 'client', 'pause', '8000', 'write'])
      expect(stdout.trim()).toBe('OK')
    }
    await restartWithQueuedMessages('rr-3', 0, { name: 'Redis writes paused 8 s', start: stallWrites })
  }, 120_000)

  it('one of two clustered brokers killed mid-stream: devices fail over, the loss is repaired', async () => {
    // two fresh nodes on the same Redis, each pacing a device to 50 messages/s (time for the kill)
    await p.ingest.stop()
    await p.broker.stop()
    const a = await p.startBroker(PACED)
    const b = await p.startBroker(PACED) // p.broker is now b
    await p.startIngest() // the ingest consumes from node b
    const proxy = await startTcpProxy([{ port: a.ports.mqtt }, { port: b.ports.mqtt }]) // fails over to b
    try {
      const backlog = 600
      const configs = CLUSTER.map((s) =>
        prepareNode(work.dir, s, p.sensors[s]!.password, proxy.url, backlog, {
          statusIntervalSeconds: 1,
          batchSize: 5,
        }),
      )
      agents.push(...(await Promise.all(configs.map(startAgent))))
      await waitFor(() => outboxState(work.dir, 'rc-1').sent.size > 150, 30_000, 'publishing via node a')
      await a.kill()
      await drained(work.dir, CLUSTER)
      const t = await nodeTally(p, work.dir, CLUSTER)
      const r = await settledRepair(p.ingest)
      report('cluster node kill -9 (Redis)', t, describeRepair(r))
      expectNothingLost(t)
      expect(t.stored).toBe(CLUSTER.length * backlog)
      expect(r.gapsUnrecoverable).toBe(0)
    } finally {
      await proxy.close()
    }
  }, 120_000)
})
