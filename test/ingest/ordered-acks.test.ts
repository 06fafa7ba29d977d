/**
 * The PUBACK to the broker leaves only when the pipeline says a message is safe, and in arrival
 * order, while mqtt.js keeps reading. Real Aedes over TCP; the pipeline is a stand-in whose
 * completion the test controls.
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
    const acked: string[] = []
    broker.broker.on('ack', (packet, client) => {
      if (client?.id.startsWith(instance) && packet && 'payload' in packet) acked.push(String(packet.payload))
    })
    const release = new Map<string, () => void>()
    const received: string[] = []
    const pipeline: Pipeline = {
      submit: (_expected, payload) =>
        new Promise((resolve) => {
          const text = String(payload)
          received.push(text)
          release.set(text, () => resolve({ ok: true, lines: '', count: 1, seqs: [1], suspect: 0 }))
        }),
      refuse: () => undefined,
      setErrorPublisher: () => undefined,
      counts: () => ({ accepted: 0, rejected: 0, duplicates: 0 }),
    }
    const spool = { isFull: () => false, depth: () => 0 } as unknown as Spool
    const subscribed = new Promise<void>((resolve) =>
      broker.broker.on('subscribe', (_subs, client) => {
        if (client?.id.startsWith(`${instance}-`) && client.id !== `${instance}-dev`) resolve()
      }),
    )
    const consumers = startConsumers(
      { mqttUrl: broker.url, mqttConnections: 1, mqttInflight: 100, boroughs: ['E09000007'], instance },
      { pipeline, spool, metrics: createIngestMetrics(), logger: pino({ level: 'silent' }) },
    )
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
})
