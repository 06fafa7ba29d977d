/**
 * Issue 14, item 5: the QoS 2 incoming store, against the real `streetsense broker`. Aedes keeps a
 * QoS 2 packet until its PUBREL, and caps that per connection only, so a device reconnecting with
 * a persistent session could park 65,535 packets of 64 KB per client id: the audit grew the broker
 * from 168 to 494 MB with 5,000 packets of 60 KB over 5 reconnects, never released. QoS 2 is now
 * refused (connection closed, counted) before anything is stored. What is measured is the broker's
 * resident memory before and after the same attack: bounded, not timed.
 */
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectPacket, publishPacket, rawExchange } from '../fuzz/mqtt-packets.js'
import { addAccount, addSensor, type BrokerProcess, type Issued, startBroker, tempDir } from '../helpers/processes.js'

const CAMDEN = 'E09000007'
const TOPIC = `streetsense/v1/${CAMDEN}/cam-1/air`
const ROUNDS = 5
const PER_ROUND = 1000
const PAYLOAD = Buffer.alloc(60 * 1024, 0x7b)

/** The packet types in what the broker sent (first byte of each packet, high nibble). */
function packetTypes(bytes: Buffer): number[] {
  const types: number[] = []
  let i = 0
  while (i < bytes.length) {
    types.push(bytes[i]! >> 4)
    let length = 0
    let shift = 0
    let j = i + 1
    for (; j < bytes.length; j++) {
      length += (bytes[j]! & 0x7f) << shift
      shift += 7
      if ((bytes[j]! & 0x80) === 0) break
    }
    i = j + 1 + length
  }
  return types
}

describe('QoS 2 publishes cannot grow the broker (real broker process)', () => {
  const data = tempDir('ss-qos2-')
  let broker: BrokerProcess
  let device: Issued
  let ingest: Issued

  beforeAll(async () => {
    device = await addSensor(data.dir, 'cam-1', CAMDEN)
    ingest = await addAccount(data.dir, 'ingest', 'ingest')
    broker = await startBroker(data.dir, ['--connections-per-minute-per-address', '0'])
  }, 120_000)

  afterAll(async () => {
    await broker?.stop()
    data.remove()
  })

  it('refuses QoS 2 with the session kept across reconnects, stores none of it, and stays bounded', async () => {
    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'ingest/watch', ...ingest, protocolVersion: 4 })
    await watcher.subscribeAsync('streetsense/v1/#', { qos: 1 })
    let delivered = 0
    watcher.on('message', () => delivered++)
    const before = broker.rssKb()
    const answers: number[][] = []
    for (let round = 0; round < ROUNDS; round++) {
      const packets = [connectPacket('cam-1', device.username, device.password, 30, false)]
      for (let k = 0; k < PER_ROUND; k++) packets.push(publishPacket(TOPIC, PAYLOAD, 2, round * PER_ROUND + k + 1))
      const { closedByBroker, received } = await rawExchange(broker.ports.mqtt, packets, 5000)
      expect(closedByBroker).toBe(true)
      answers.push(packetTypes(received))
    }
    const after = broker.rssKb()
    const growthMb = (after - before) / 1024
    console.log(
      `QoS 2: ${ROUNDS} x ${PER_ROUND} publishes of 60 KB with a persistent session; broker RSS ${Math.round(before / 1024)} -> ${Math.round(after / 1024)} MB; packets back per round: ${answers.map((a) => a.join(',')).join(' | ')}`,
    )
    // Each round: at most the CONNACK (2; the reset of a closed socket may swallow it), never a
    // PUBREC (5): nothing was stored. The refusals count says each round reached the publishes.
    for (const types of answers) expect(types.filter((t) => t !== 2)).toEqual([])
    // 300 MB of QoS 2 payloads were offered; the broker kept none of them.
    expect(growthMb).toBeLessThan(64)
    const metrics = await (await fetch(`http://127.0.0.1:${broker.ports.metrics}/metrics`)).text()
    expect(metrics).toMatch(new RegExp(`streetsense_broker_refusals_total\\{reason="qos2_refused"\\} ${ROUNDS}\\b`))
    // The same device with QoS 1 is served as ever.
    const pub = await mqtt.connectAsync(broker.url, { clientId: 'cam-1', ...device, protocolVersion: 4, clean: false })
    await pub.publishAsync(TOPIC, '{"qos":1}', { qos: 1 })
    await pub.endAsync()
    await expect.poll(() => delivered).toBe(1)
    await watcher.endAsync()
  }, 120_000)
})
