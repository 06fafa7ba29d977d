/**
 * The measured phases of bench/fleet: connecting the fleet (login rate, broker RSS per
 * connection), the steady state (one reading per device per minute: CPU per process, probe
 * latency), and one broker killed (time until every device it held has reconnected through
 * HAProxy and the readings it had in flight are acknowledged again).
 */

import { procSample, sleep } from '../e2e/measure.js'
import type { ShardedLoad } from '../load/sharded.js'
import type { Broker, Cluster } from './cluster.js'

export interface TimelinePoint {
  t: number
  connected: number
}

/** Every second: devices connected, as the brokers count them (the ingest's connections excluded). */
export function followConnections(cluster: Cluster, ingestConnections: number) {
  const points: TimelinePoint[] = []
  let on = true
  const loop = (async () => {
    while (on) {
      const counts = await Promise.all(cluster.brokers.map((b) => b.connections().catch(() => 0)))
      points.push({ t: Date.now(), connected: Math.max(0, counts.reduce((a, b) => a + b, 0) - ingestConnections) })
      await sleep(1000)
    }
  })()
  return {
    points,
    async stop() {
      on = false
      await loop
    },
  }
}

export interface BrokerMemory {
  name: string
  connections: number
  rssIdleMiB: number
  rssMiB: number
  kibPerConnection: number
}

export async function brokerMemory(brokers: Broker[], idleKb: Map<string, number>): Promise<BrokerMemory[]> {
  return Promise.all(
    brokers
      .filter((b) => b.alive)
      .map(async (b) => {
        const connections = await b.connections()
        const rss = procSample(b.pid).rssKb
        const idle = idleKb.get(b.name) ?? rss
        return {
          name: b.name,
          connections,
          rssIdleMiB: idle / 1024,
          rssMiB: rss / 1024,
          kibPerConnection: (rss - idle) / Math.max(1, connections),
        }
      }),
  )
}

export interface SteadyCpu {
  seconds: number
  cores: Record<string, number>
}

/** CPU (cores) of every process over `seconds` of steady state. */
export async function steadyCpu(pids: Record<string, number>, seconds: number): Promise<SteadyCpu> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procSample(pid).ticks]))
  const t0 = Date.now()
  await sleep(seconds * 1000)
  const wall = (Date.now() - t0) / 1000
  const cores = Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => [k, (procSample(pid).ticks - before[k]!) / 100 / wall]),
  )
  return { seconds: wall, cores }
}

export interface KillResult {
  broker: string
  held: number // devices on the killed broker (its /healthz just before)
  dropped: number // devices whose connection closed
  closes: number // connections lost (a device may lose a second one during the storm)
  reconnectedMs: number // kill -> the last of them had its CONNACK again (NaN if not all within the limit)
  resumedMs: number // kill -> readings outstanding back to the level before the kill
  killedAt: number
}

/** Kills the broker holding most devices (SIGKILL) and follows the generator until all are back. */
export async function killOneBroker(cluster: Cluster, load: ShardedLoad, limitMs: number): Promise<KillResult> {
  const counts = await Promise.all(cluster.brokers.map((b) => b.connections()))
  const victim = cluster.brokers[counts.indexOf(Math.max(...counts))]!
  let baseline = 0
  for (let i = 0; i < 5; i++) {
    baseline = Math.max(baseline, (await load.stats()).outstanding)
    await sleep(200)
  }
  await load.mark()
  const killedAt = Date.now()
  victim.alive = false
  await victim.kill()
  let reconnectedMs = Number.NaN
  let resumedMs = Number.NaN
  let dropped = 0
  let closes = 0
  while (Date.now() - killedAt < limitMs && Number.isNaN(resumedMs)) {
    await sleep(500)
    const s = await load.stats()
    dropped = s.closed
    closes = s.closes
    if (Number.isNaN(reconnectedMs) && s.closed > 0 && s.reconnected >= s.closed)
      reconnectedMs = s.lastReconnectAt - killedAt
    if (!Number.isNaN(reconnectedMs) && s.outstanding <= baseline) resumedMs = s.at - killedAt
  }
  return {
    broker: victim.name,
    held: Math.max(...counts),
    dropped,
    closes,
    reconnectedMs,
    resumedMs,
    killedAt,
  }
}
