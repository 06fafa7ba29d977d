/**
 * The naive pipeline, the baseline the ingest is measured against: one mqtt.js subscriber that
 * acknowledges on receipt (mqtt.js default), JSON.parse + compiled ajv, a template line per
 * reading, batched writes (5,000 points or 100 ms, two in flight). No spool: a crash loses what it holds.
 */
import mqtt from 'mqtt'
import { readingToLine } from '../../ingest/store/line-protocol.js'
import { validateReadingMessage } from '../../schemas/validate.js'

const [mqttUrl, influxUrl, db] = process.argv.slice(2) as [string, string, string]
let buffer: string[] = []
let inFlight = 0
let written = 0
const queue: string[][] = []

async function post(lines: string[]): Promise<void> {
  inFlight++
  for (;;) {
    const res = await fetch(`${influxUrl}/write?db=${db}&precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    }).catch(() => undefined)
    if (res?.status === 204) {
      written += lines.length
      // When InfluxDB acknowledged the points: the run ends at the last 204, as the raw ceiling's does.
      console.log(JSON.stringify({ event: 'written', total: written, at: Date.now() }))
      break
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  inFlight--
  const next = queue.shift()
  if (next) void post(next)
}

function flush(): void {
  if (buffer.length === 0) return
  const lines = buffer
  buffer = []
  if (inFlight < 2) void post(lines)
  else queue.push(lines)
}
setInterval(flush, 100)

const client = mqtt.connect(mqttUrl, { clientId: 'naive-consumer', clean: false, protocolVersion: 4 })
client.on('connect', () => {
  client.subscribe('streetsense/v1/+/+/air', { qos: 1 }, () => console.log(JSON.stringify({ event: 'listening' })))
})
client.on('message', (_topic, payload) => {
  const result = validateReadingMessage(JSON.parse(payload.toString()))
  if (!result.ok) return
  for (const r of result.value) buffer.push(readingToLine(r))
  if (buffer.length >= 5000) flush()
})
process.on('SIGTERM', () => process.exit(0))
