/**
 * Load generator: `connections` MQTT publishers (QoS 1, a window of 100 in flight each) send
 * `total` readings for the benchmark fleet, single or in batches of 30, flat out or at `rate`
 * readings/s. Prints {"event":"done", published, firstAt, lastAckAt}.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { BENCH_SENSORS, benchReading } from './common.js'

const opts = JSON.parse(process.argv[2]!) as {
  url: string
  mode: 'single' | 'batch'
  total: number
  rate: number
  connections: number
  seqOffset: number
}
const perMessage = opts.mode === 'batch' ? 30 : 1
const messages = Math.ceil(opts.total / perMessage)
const clients: MqttClient[] = await Promise.all(
  Array.from({ length: opts.connections }, (_, k) =>
    mqtt.connectAsync(opts.url, { clientId: `load-${process.pid}-${k}`, protocolVersion: 4 }),
  ),
)

/** Message i: sensor i mod 1000; in batch mode 30 consecutive seqs of that sensor. */
function message(i: number): { topic: string; payload: string } {
  const sensor = BENCH_SENSORS[i % BENCH_SENSORS.length]!
  const round = Math.floor(i / BENCH_SENSORS.length)
  const topic = `streetsense/v1/${sensor.borough}/${sensor.id}/air`
  if (perMessage === 1) return { topic, payload: JSON.stringify(benchReading(sensor, opts.seqOffset + round)) }
  const readings = Array.from({ length: perMessage }, (_, j) =>
    benchReading(sensor, opts.seqOffset + round * perMessage + j),
  )
  return { topic, payload: JSON.stringify({ readings }) }
}

// Payloads are built before the clock starts: devices build theirs on their own machines, and the
// raw ceiling posts pre-built lines too, so the generator should cost this shared machine little.
const prebuilt = Array.from({ length: messages }, (_, i) => {
  const { topic, payload } = message(i)
  return { topic, payload: Buffer.from(payload) }
})
let next = 0
let acked = 0
const firstAt = Date.now()
const WINDOW = 100
await Promise.all(
  clients.map(async (client, k) => {
    const inFlight = new Set<Promise<unknown>>()
    for (;;) {
      const i = next++
      if (i >= messages) break
      if (opts.rate > 0) {
        // Paced: message i is due at firstAt + i / (rate / perMessage) seconds.
        const due = firstAt + (i * 1000 * perMessage) / opts.rate
        const wait = due - Date.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      }
      const { topic, payload } = prebuilt[i]!
      const p = client.publishAsync(topic, payload, { qos: 1 }).then(() => {
        acked++
        inFlight.delete(p)
      })
      inFlight.add(p)
      if (inFlight.size >= WINDOW) await Promise.race(inFlight)
      void k
    }
    await Promise.all(inFlight)
  }),
)
console.log(
  JSON.stringify({
    event: 'done',
    published: Math.min(opts.total, messages * perMessage),
    acked,
    firstAt,
    lastAckAt: Date.now(),
  }),
)
await Promise.all(clients.map((c) => c.endAsync()))
process.exit(0)
