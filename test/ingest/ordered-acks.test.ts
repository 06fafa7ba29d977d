/**
 * The PUBACK to the broker leaves only when the pipeline says a message is safe, and in arrival
 * order, while mqtt.js keeps reading; messages read from a connection that has closed never hold
 * up the next one. Real Aedes over TCP; the pipeline is a stand-in whose completion the test
 * controls.
 */
import mqtt from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Pipeline } from '../../ingest/accept/pipeline.js'
import { createIngestMetrics } from '../../ingest/metrics.js'
import type { Spool } from '../../ingest/spool/spool.js'
import { startConsumers } from '../../ingest/subscribe/consumers.js'
import { buildTopic } from '../../schemas/topics.js'
import { startPlainAedes, type TestBroker } from '../helpers/aedes.js'
import { waitFor } from '../helpers/ports.js'

/** A pipeline whose messages wait until the test releases them (or, after `passAll`, pass at once). */
function heldPipeline() {
  const release = new Map<string, () => void>()
  const received: string[] = []
  let holding = true
  const pipeline: Pipeline = {
    submit: (_expected, payload) =>
      new Promise((resolve) => {
        const text = String(payload)
        received.push(text)
        const ok = () => resolve({ ok: true, lines: '', count: 1, seqs: [1], suspect: 0 })
        if (holding) release.set(text, ok)
        else ok()
      }),
    refuse: () => undefined,
    setErrorPublisher: () => undefined,
    counts: () => ({ accepted: 0, rejected: 0, duplicates: 0 }),
  }
  const passAll = () => {
    holding = false
    for (const ok of release.values()) ok()
  }
  return { pipeline, release, received, passAll }
}

const spool = { isFull: () => false, depth: () => 0 } as unknown as Spool

/** Resolves when a consumer of `instance` (not its test device `<instance>-dev`) has subscribed. */
function consumerSubscribed(broker: TestBroker, instance: string): Promise<void> {
  return new Promise<void>((resolve) =>
    broker.broker.on('subscribe', (_subs, client) => {
      if (client?.id.startsWith(`${instance}-`) && client.id !== `${instance}-dev`) resolve()
    }),
  )
}

/**
 * One consumer connection of `instance` with an ack window of `inflight`, and what the broker saw
 * of it: the payloads it acknowledged, in order, and its SUBSCRIBE.
 */
function startTestConsumers(broker: TestBroker, instance: string, inflight: number, pipeline: Pipeline) {
  const acked: string[] = []
  broker.broker.on('ack', (packet, client) => {
    if (client?.id.startsWith(instance) && packet && 'payload' in packet) acked.push(String(packet.payload))
  })
  const subscribed = consumerSubscribed(broker, instance)
  const consumers = startConsumers(
    { mqttUrl: broker.url, mqttConnections: 1, mqttInflight: inflight, boroughs: ['E09000007'], instance },
    { pipeline, spool, metrics: createIngestMetrics(), logger: pino({ level: 'silent' }) },
  )
  return { consumers, acked, subscribed }
}

describe('ordered, durable-only PUBACKs', () => {
  let broker: TestBroker
  beforeAll(async () => {
    broker = await startPlainAedes()
  })
  afterAll(async () => {
    await broker?.close()
  })

  it('holds each PUBACK until its message is safe and sends them in arrival order', async () => {
    const instance = `acks-${process.pid}`
    const { pipeline, release, received } = heldPipeline()
    const { consumers, acked, subscribed } = startTestConsumers(broker, instance, 100, pipeline)
    const device = await mqtt.connectAsync(broker.url, { clientId: `${instance}-dev`, protocolVersion: 4 })
    try {
      await subscribed
      const topic = buildTopic('E09000007', 'cam-1', 'air')
      for (const m of ['m1', 'm2', 'm3', 'm4']) await device.publishAsync(topic, m, { qos: 1 })
      // mqtt.js read all four although none is safe yet (no head-of-line wait per message)...
      await waitFor(() => received.length === 4, 10_000, 'all four handed to the pipeline')
      // ...and acknowledged none of them. (No wait for a PUBACK that should not come: a PUBACK sent
      // too early, or m2/m4 acknowledged before m1, breaks the exact lists checked below.)
      expect(acked).toEqual([])
      release.get('m2')!()
      release.get('m4')!()
      expect(acked).toEqual([]) // m1 is not safe: nothing after it may be acknowledged
      release.get('m1')!()
      await waitFor(() => acked.length === 2, 5000, 'm1 and m2 acknowledged')
      expect(acked).toEqual(['m1', 'm2'])
      release.get('m3')!()
      await waitFor(() => acked.length === 4, 5000, 'all acknowledged')
      expect(acked).toEqual(['m1', 'm2', 'm3', 'm4'])
    } finally {
      await device.endAsync()
      await consumers.close()
    }
  })

  it('a connection that drops with messages still to read does not stall the next one', async () => {
    // mqtt.js goes on handing over what it had read from a connection after that connection
    // closed (until it connects again): those messages must not take places in the next
    // connection's PUBACK order, where they could never be acknowledged.
    const instance = `stale-${process.pid}`
    const { pipeline, received, passAll } = heldPipeline()
    const { consumers, acked, subscribed } = startTestConsumers(broker, instance, 2, pipeline)
    const consumer = consumers.clients[0]!
    const device = await mqtt.connectAsync(broker.url, { clientId: `${instance}-dev`, protocolVersion: 4 })
    try {
      await subscribed
      await waitFor(() => consumer.connected, 5000, 'consumer connected')
      const stream = consumer.stream as unknown as { bytesRead: number; destroy(): void }
      const before = stream.bytesRead
      const topic = buildTopic('E09000007', 'cam-1', 'air')
      const messages = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']
      for (const m of messages) await device.publishAsync(topic, m, { qos: 1 })
      // PUBLISH: 2 bytes of fixed header, the topic with its length, a packet id, the payload
      const bytes = messages.reduce((n, m) => n + 2 + 2 + topic.length + 2 + m.length, 0)
      // Two wait in the pipeline (the whole window); the rest is read but not yet handed over.
      await waitFor(() => received.length === 2 && stream.bytesRead - before >= bytes, 5000, 'all six read')
      stream.destroy() // the connection drops (as on a keepalive timeout)
      await waitFor(() => !consumer.connected, 5000, 'consumer disconnected')
      passAll() // safe now, while the consumer is away
      // The broker redelivers the six on the next connection; all must be acknowledged there.
      const distinct = () => [...new Set(acked)].sort()
      await waitFor(() => distinct().length === messages.length, 15_000, 'all acknowledged after the reconnect')
      expect(distinct()).toEqual(messages)
    } finally {
      await device.endAsync()
      await consumers.close()
    }
  })
})
