/**
 * Load for bench/broker (a separate process, so it does not share an event loop with the
 * subscriber): N device connections, each publishing `count` messages to its own topic as fast
 * as the broker takes them (QoS 1: a window of 100 unacknowledged per connection; QoS 0: 100 per
 * tick). Prints one JSON line when every publish has been handed to the socket / acknowledged.
 */
import mqtt, { type MqttClient } from 'mqtt'

const [url, credsJson, countArg, qosArg] = process.argv.slice(2) as [string, string, string, string]
const creds = JSON.parse(credsJson) as { id: string; password: string; topic: string }[]
const count = Number(countArg)
const qos = Number(qosArg) as 0 | 1
const payload = JSON.stringify({
  sensor: 'x',
  pm2_5: 12.5,
  pm10: 20.1,
  no2: 31,
  seq: 1,
  time: new Date().toISOString(),
})

const clients: MqttClient[] = await Promise.all(
  creds.map(
    (c) =>
      new Promise<MqttClient>((resolve, reject) => {
        const client = mqtt.connect(url, { clientId: c.id, username: c.id, password: c.password, reconnectPeriod: 0 })
        client.once('connect', () => resolve(client))
        client.once('error', reject)
      }),
  ),
)
const started = Date.now()
await Promise.all(
  clients.map(async (client, i) => {
    const topic = creds[i]!.topic
    let sent = 0
    if (qos === 1) {
      const window = async () => {
        while (sent < count) {
          sent++
          await client.publishAsync(topic, payload, { qos: 1 })
        }
      }
      await Promise.all(Array.from({ length: 100 }, window))
    } else {
      while (sent < count) {
        for (let k = 0; k < 100 && sent < count; k++, sent++) client.publish(topic, payload, { qos: 0 })
        await new Promise((r) => setImmediate(r))
      }
    }
  }),
)
console.log(JSON.stringify({ event: 'done', ms: Date.now() - started }))
await Promise.all(clients.map((c) => c.endAsync()))
