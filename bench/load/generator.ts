/**
 * The light load generator, in its own process (bench/load/control.ts starts and steers it):
 * one raw MQTT connection per sensor (bench/load/device.ts), each authenticated as that sensor,
 * publishing pre-built single-reading QoS 1 PUBLISHes with per-sensor sequence numbers, at most
 * `window` unacknowledged per connection. Connections are opened `connectConcurrency` at a time
 * (every CONNECT costs the broker a password check) from `localAddresses` in turn (each source
 * address has its own ~28k ephemeral ports).
 *   node --import tsx bench/load/generator.ts <config.json>
 * Commands arrive on stdin, one JSON line each with an `id` the answer repeats:
 *   {"cmd":"step","rate":readings/s in total (0 = flat out),"seconds","seqStart"} -> step-done
 *   {"cmd":"stats"} -> connection counts; {"cmd":"mark"} starts counting drops/reconnects anew;
 *   {"cmd":"cut"} ends the running step now (its answer comes as usual)
 */
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { BenchDevice, type DeviceOptions } from './device.js'
import type { PacketSensor } from './packets.js'
import { cutStep, runStep, type StepCommand } from './schedule.js'

export interface GeneratorConfig {
  host: string
  port: number
  sensors: PacketSensor[]
  localAddresses?: string[]
  window?: number
  clean?: boolean
  subscribe?: boolean
  keepaliveSeconds?: number
  connectConcurrency?: number
  connectTimeoutMs?: number
  timeStepMs?: number
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as GeneratorConfig
const say = (o: object) => {
  process.stdout.write(`${JSON.stringify(o)}\n`)
}
const note = (s: string) => process.stderr.write(`load generator: ${s}\n`)

let markAt = Date.now()
let closes = 0 // connections lost since the mark (a device may lose more than one)
const addresses = config.localAddresses?.length ? config.localAddresses : [undefined]
const devices = config.sensors.map((sensor, k) => {
  const opts: DeviceOptions = {
    host: config.host,
    port: config.port,
    ...(addresses[k % addresses.length] ? { localAddress: addresses[k % addresses.length] } : {}),
    clean: config.clean ?? true,
    subscribe: config.subscribe ?? false,
    keepaliveSeconds: config.keepaliveSeconds ?? 60,
    window: config.window ?? 20,
    connectTimeoutMs: config.connectTimeoutMs ?? 10_000,
    // The edge agent's defaults (edge/config-schema.ts reconnectMinMs / reconnectMaxMs).
    reconnect: { minMs: 1000, maxMs: 60_000 },
    timeStepMs: config.timeStepMs ?? 1000,
  }
  return new BenchDevice(sensor, opts, {
    closed: (_d, at) => {
      if (at >= markAt) closes++
    },
  })
})

async function connectAll(): Promise<void> {
  const started = Date.now()
  let next = 0
  let done = 0
  const progress = setInterval(() => note(`${done}/${devices.length} connected`), 5000)
  const worker = async () => {
    for (let k = next++; k < devices.length; k = next++) {
      await devices[k]!.start()
      done++
    }
  }
  await Promise.all(Array.from({ length: config.connectConcurrency ?? 10 }, worker))
  clearInterval(progress)
  say({
    event: 'listening',
    connections: devices.length,
    connectMs: Date.now() - started,
    refusals: devices.reduce((a, d) => a + d.refusals, 0),
    timeouts: devices.reduce((a, d) => a + d.timeouts, 0),
  })
}

/** Devices that lost their connection since the mark, and how many of those are connected again. */
function stats() {
  let connected = 0
  let outstanding = 0
  let closed = 0
  let reconnected = 0
  let lastReconnectAt = 0
  for (const d of devices) {
    if (d.connected) connected++
    outstanding += d.outstanding()
    if (d.closedAt < markAt) continue
    closed++
    if (d.connected && d.connectedAt > d.closedAt) {
      reconnected++
      lastReconnectAt = Math.max(lastReconnectAt, d.connectedAt)
    }
  }
  return {
    event: 'stats',
    at: Date.now(),
    markAt,
    connected,
    outstanding,
    closed,
    reconnected,
    lastReconnectAt,
    closes,
  }
}

setInterval(() => {
  const now = Date.now()
  for (const d of devices) d.ping(now)
}, 1000).unref()

await connectAll()
let queue = Promise.resolve()
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'end') {
    for (const d of devices) d.stop()
    process.exit(0)
  }
  const cmd = JSON.parse(line) as { id: number; cmd: string } & StepCommand
  if (cmd.cmd === 'stats') return say({ id: cmd.id, ...stats() })
  if (cmd.cmd === 'cut') return say({ id: cmd.id, event: 'cut', cut: cutStep() })
  if (cmd.cmd === 'mark') {
    markAt = Date.now()
    closes = 0
    return say({ id: cmd.id, event: 'marked', at: markAt })
  }
  // Steps run one at a time, in the order they arrive.
  queue = queue.then(async () => {
    say({ id: cmd.id, ...(await runStep(devices, cmd)) })
  })
})
process.on('SIGTERM', () => process.exit(0))
