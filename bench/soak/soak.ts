/**
 * Soak: the whole platform (influxd, `streetsense broker`, `streetsense ingest`) under steady load
 * from sequenced QoS 1 devices for a longer time, with a random fault every cycle (kill -9 of the
 * ingest, kill -9 of influxd, a network drop through the TCP proxy), then the tally by sensor and
 * seq. Not part of `npm test`.
 *   node --import tsx bench/soak/soak.ts [--minutes 10] [--devices 4] [--rate 100]
 */
import { cpus } from 'node:os'
import { parseArgs } from 'node:util'
import { report, SequencedDevice, startPlatform, tally } from '../../test/faults/fault-kit.js'
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    devices: { type: 'string', default: '4' },
    rate: { type: 'string', default: '100' }, // readings per second, all devices together
  },
})
const minutes = Number(values.minutes)
const deviceCount = Number(values.devices)
const rate = Number(values.rate)

const ids = Array.from({ length: deviceCount }, (_, i) => `soak-${i}`)
const p = await startPlatform(ids)
const proxy = await startTcpProxy([{ port: p.broker.ports.mqtt }])
const devices = ids.map((id) => new SequencedDevice(id, p.sensors[id]!, proxy.url))
await Promise.all(devices.map((d) => d.connected()))
console.log(
  `soak: ${minutes} min, ${deviceCount} devices, ${rate} readings/s; node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}`,
)

const end = Date.now() + minutes * 60_000
let seq = 0
const faults: string[] = []
const load = (async () => {
  while (Date.now() < end) {
    seq++
    for (const d of devices) await d.publish(seq, seq, 1)
    await new Promise((r) => setTimeout(r, (1000 * deviceCount) / rate))
  }
})()
const chaos = (async () => {
  while (Date.now() < end - 20_000) {
    await new Promise((r) => setTimeout(r, 15_000 + Math.random() * 15_000))
    const kind = ['ingest', 'influxd', 'network'][Math.floor(Math.random() * 3)]!
    faults.push(kind)
    if (kind === 'ingest') {
      await p.ingest.kill()
      await new Promise((r) => setTimeout(r, 2000))
      await p.startIngest()
    } else if (kind === 'influxd') {
      await p.influx.kill()
      await new Promise((r) => setTimeout(r, 3000))
      await p.influx.restart()
    } else proxy.dropAll()
    console.log(`soak: fault ${kind} at seq ${seq}`)
  }
})()
await Promise.all([load, chaos])
await Promise.all(devices.map((d) => d.settled(120_000)))
const t = await tally(p.influx, devices, 120_000)
report(`soak ${minutes} min (${faults.length} faults: ${faults.join(',')})`, t)
for (const d of devices) d.end()
await proxy.close()
await p.close()
process.exit(t.lostAcknowledged === 0 && t.duplicated === 0 ? 0 : 1)
