/**
 * Latency probes of bench/fleet: a few registered devices in this process (bench/load/device.ts,
 * through HAProxy like the fleet) publish one reading each every `intervalMs`; InfluxDB is polled
 * every POLL_MS for their points. Latency = first poll that returns a reading - its publish time.
 */
import type { InfluxServer } from '../../test/helpers/influxd.js'
import { BASE } from '../ingest/common.js'
import { BenchDevice } from '../load/device.js'
import type { PacketSensor } from '../load/packets.js'

const POLL_MS = 100

export interface ProbeSample {
  sentAt: number
  latencyMs: number // Infinity while not seen
  ackedAt?: number // when the broker acknowledged it
}

export interface Probes {
  /** Samples whose publish time is in [from, to). */
  samples(from: number, to: number): ProbeSample[]
  /** Readings never seen in InfluxDB: `acknowledged` ones are lost, the others were still waiting for a PUBACK. */
  unseen(): { acknowledged: number; unacknowledged: number }
  stop(): Promise<void>
}

export async function startProbes(
  sensors: PacketSensor[],
  target: { host: string; port: number },
  influx: InfluxServer,
  intervalMs: number,
): Promise<Probes> {
  const all: ProbeSample[] = []
  const byKey = new Map<string, ProbeSample>()
  const onAck = (d: BenchDevice, seq: number, at: number) => {
    const sample = byKey.get(`${d.sensor.id} ${seq}`)
    if (sample) sample.ackedAt ??= at
  }
  const devices = sensors.map(
    (s) =>
      new BenchDevice(
        s,
        {
          host: target.host,
          port: target.port,
          clean: false,
          subscribe: true,
          keepaliveSeconds: 30,
          window: 20,
          connectTimeoutMs: 10_000,
          reconnect: { minMs: 1000, maxMs: 60_000 },
          timeStepMs: 1000,
        },
        { acked: onAck },
      ),
  )
  await Promise.all(devices.map((d) => d.start()))
  let seq = 0
  let firstUnseen = 0
  const publisher = setInterval(() => {
    const now = Date.now()
    for (const d of devices) {
      const sample = { sentAt: now, latencyMs: Number.POSITIVE_INFINITY }
      byKey.set(`${d.sensor.id} ${seq}`, sample)
      all.push(sample)
      d.enqueue(seq)
      d.flush()
    }
    seq++
  }, intervalMs)
  let polling = true
  const poller = (async () => {
    while (polling) {
      const q = `SELECT sensor, seq FROM air WHERE sensor =~ /^p-/ AND time >= ${BASE + firstUnseen * 1000}ms`
      const rows = await influx.rows(q, 'streetsense').catch(() => [])
      const now = Date.now()
      for (const r of rows) {
        const s = byKey.get(`${r.sensor} ${r.seq}`)
        if (s && !Number.isFinite(s.latencyMs)) s.latencyMs = now - s.sentAt
      }
      while (
        firstUnseen < seq &&
        devices.every((d) => Number.isFinite(byKey.get(`${d.sensor.id} ${firstUnseen}`)?.latencyMs))
      )
        firstUnseen++
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  })()
  return {
    samples: (from, to) => all.filter((s) => s.sentAt >= from && s.sentAt < to),
    unseen: () => {
      const unseen = all.filter((s) => !Number.isFinite(s.latencyMs))
      const acknowledged = unseen.filter((s) => s.ackedAt !== undefined).length
      return { acknowledged, unacknowledged: unseen.length - acknowledged }
    },
    async stop() {
      clearInterval(publisher)
      const deadline = Date.now() + 60_000
      while (all.some((s) => !Number.isFinite(s.latencyMs)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200))
      polling = false
      await poller
      for (const d of devices) d.stop()
    },
  }
}
