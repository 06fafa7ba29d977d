/**
 * Load generator of bench/e2e, in its own process: one MQTT connection per registered sensor,
 * each authenticating as that sensor (client id = username = sensor id), publishing
 * single-reading QoS 1 messages with per-sensor sequence numbers. Steered over stdin, one JSON
 * line per step: {"rate": readings/s in total (0 = flat out), "seconds", "seqStart"}. Each
 * sensor publishes seqStart, seqStart+1, ... until the step's time is up, at most WINDOW
 * unacknowledged at a time, then waits for every PUBACK and prints
 * {"event":"step-done", published: {sensor: n}, acked: {sensor: n}, firstAt, lastAckAt}.
 *   node --import tsx bench/e2e/load-generator.ts '{"url":..., "sensors":[{id,borough,password}]}'
 */
import { createInterface } from 'node:readline'
import mqtt, { type MqttClient } from 'mqtt'
import { benchReading } from '../ingest/common.js'

interface Sensor {
  id: string
  borough: string
  password: string
}
const opts = JSON.parse(process.argv[2]!) as { url: string; sensors: Sensor[]; window?: number }
const WINDOW = opts.window ?? 20
const sensors = opts.sensors

// Connect in small groups: every CONNECT costs the broker a scrypt verification.
const clients: MqttClient[] = []
for (let i = 0; i < sensors.length; i += 10) {
  const group = sensors.slice(i, i + 10)
  clients.push(
    ...(await Promise.all(
      group.map((s) =>
        mqtt.connectAsync(opts.url, {
          clientId: s.id,
          username: s.id,
          password: s.password,
          protocolVersion: 4,
          connectTimeout: 60_000,
        }),
      ),
    )),
  )
}
console.log(JSON.stringify({ event: 'listening', connections: clients.length }))

interface Step {
  rate: number
  seconds: number
  seqStart: number
}

async function runStep(step: Step) {
  const n = sensors.length
  const firstAt = Date.now()
  const deadline = firstAt + step.seconds * 1000
  const published: Record<string, number> = {}
  const acked: Record<string, number> = {}
  await Promise.all(
    clients.map(async (client, k) => {
      const sensor = sensors[k]!
      const topic = `streetsense/v1/${sensor.borough}/${sensor.id}/air`
      const inFlight = new Set<Promise<unknown>>()
      published[sensor.id] = 0
      acked[sensor.id] = 0
      for (let j = 0; ; j++) {
        if (step.rate > 0) {
          // Paced: this sensor's j-th message is due at firstAt + (j*n + k) / rate.
          const wait = firstAt + ((j * n + k) * 1000) / step.rate - Date.now()
          if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        }
        if (Date.now() >= deadline) break
        const payload = JSON.stringify(benchReading(sensor, step.seqStart + j))
        published[sensor.id]!++
        const p: Promise<unknown> = client
          .publishAsync(topic, payload, { qos: 1 })
          .then(() => {
            acked[sensor.id]!++
          })
          .catch(() => undefined)
          .finally(() => inFlight.delete(p))
        inFlight.add(p)
        if (inFlight.size >= WINDOW) await Promise.race(inFlight)
      }
      await Promise.all(inFlight)
    }),
  )
  return { event: 'step-done', published, acked, firstAt, lastAckAt: Date.now() }
}

// Steps run one at a time, in the order they arrive.
let queue = Promise.resolve()
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'end') {
    queue = queue.then(async () => {
      await Promise.all(clients.map((c) => c.endAsync()))
      process.exit(0)
    })
    return
  }
  const step = JSON.parse(line) as Step
  queue = queue.then(async () => console.log(JSON.stringify(await runStep(step))))
})
process.on('SIGTERM', () => process.exit(0))
