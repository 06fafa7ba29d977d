/** The markdown section (bench:fleet markers) and the chart (docs/img/fleet.svg) of bench/fleet. */
import type { LossReport } from '../e2e/loss-check.js'
import { percentile } from '../e2e/measure.js'
import { machineDetails } from '../machine.js'
import { lineChart } from '../svg.js'
import type { HaproxyConfig } from './haproxy.js'
import type { BrokerMemory, KillResult, SteadyCpu, TimelinePoint } from './phases.js'
import type { FleetPlan } from './plan.js'
import type { ProbeSample } from './probes.js'

export interface FleetReport {
  plan: FleetPlan
  concurrency: number
  connect: { connections: number; connectMs: number; refusals: number; timeouts: number }
  haproxy: HaproxyConfig
  memory: BrokerMemory[]
  cpu: SteadyCpu
  rate: number
  steadyProbes: ProbeSample[]
  killProbes: ProbeSample[]
  allProbes: ProbeSample[]
  timeline: TimelinePoint[]
  connectStart: number
  kill: KillResult | undefined
  loss: LossReport
  loadBefore: number
  loadAfter: number
  seconds: number
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-GB') : 'n/a')
const secs = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '**not within the limit**')

function latency(samples: ProbeSample[]) {
  const seen = samples.map((s) => s.latencyMs).sort((a, b) => a - b)
  const finite = seen.filter(Number.isFinite)
  // Never seen although the broker acknowledged them: lost.
  const lost = samples.filter((s) => !Number.isFinite(s.latencyMs) && s.ackedAt !== undefined).length
  const unseen = seen.length - finite.length
  return {
    p50: percentile(finite, 50),
    p99: percentile(finite, 99),
    n: seen.length,
    unseen,
    note: unseen ? `, **${unseen} never seen, ${lost} of them acknowledged**` : '',
  }
}

function limits(r: FleetReport, loginsPerSecond: number): string {
  const p = r.plan
  const kib = r.memory.reduce((a, m) => a + m.kibPerConnection, 0) / Math.max(1, r.memory.length)
  const hard = `${fmt(p.files.hard)} per process, a hard limit this machine does not let us raise** (\`prlimit --nofile\` needs CAP_SYS_RESOURCE)`
  const files = p.files.raised
    ? `raised to ${fmt(p.files.perProcess)} per process with \`prlimit --nofile\``
    : p.files.perProcess < p.files.hard
      ? `**planned as if ${fmt(p.files.perProcess)} per process (\`--files-per-process\`, to try the many-process set-up); the real limit is ${hard}`
      : `**${hard}`
  return `What limits the number on this machine, and what comes next:
- **Open files per process**: ${files}. So one generator process holds at most ${fmt(p.socketsPerProcess)} devices (this run: ${p.generators}), one HAProxy process ${fmt(p.haproxyMaxconn)} connections (two descriptors each; this run: ${p.haproxies} sharing the port), one broker ${fmt(p.brokerCap)} (\`--max-connections\`; ${p.brokers} brokers, one more than the fleet needs so that the survivors of a kill can take the dead node's devices). The repository's HAProxy file has \`maxconn ${fmt(r.haproxy.repoMaxconn)}\`, for which HAProxy wants ${fmt(2 * r.haproxy.repoMaxconn + 19)} descriptors and refuses to start below that (strict-limits)${r.haproxy.maxconn !== r.haproxy.repoMaxconn ? `; each instance here runs with \`maxconn ${fmt(r.haproxy.maxconn)}\`` : ''}.
- **Logins.** Every device's CONNECT costs the broker one scrypt (N=16384, r=8, registry/passwords.ts) on the libuv pool: ${loginsPerSecond.toFixed(0)} logins/s here, so 100,000 devices take ${fmt(100_000 / loginsPerSecond / 60)} min to connect. A broker remembers verified logins per process (at most 10,000, registry/rows.ts VERIFY_CACHE_MAX), so devices that move to another node after a kill pay scrypt again: that is most of the reconnect time above. Device secrets are 192-bit random strings; a fast keyed hash (HMAC-SHA-256) would be as safe for them and thousands of times cheaper, and a verified-login cache shared through Redis would spare the survivors.
- **Ephemeral ports.** HAProxy reaches every broker from 127.0.0.1, so one broker can hold at most ${fmt(p.ports)} connections through it (net.ipv4.ip_local_port_range); the generator spreads its connections over ${p.addresses.length} source addresses (${p.addresses[0]}..${p.addresses.at(-1)}) for the same reason towards HAProxy.
- **Configuration caps.** \`streetsense broker --max-connections\` defaults to 20,000 per node and the compose file's clustered brokers do not set it; they do set \`--connections-per-minute-per-address 0\` (behind a load balancer every device shares one address: with the default 120 a minute the fleet could not reconnect).
- **Memory.** ${kib.toFixed(1)} KiB of broker RSS per connection: ${fmt((kib * p.devices) / 1024)} MiB for ${fmt(p.devices)} devices over all brokers, well inside this machine's memory.`
}

export function fleetMarkdown(r: FleetReport): string {
  const steady = latency(r.steadyProbes)
  const during = latency(r.killProbes)
  const loginsPerSecond = r.connect.connections / (r.connect.connectMs / 1000)
  const memRows = r.memory.map(
    (m) =>
      `| ${m.name} | ${fmt(m.connections)} | ${fmt(m.rssIdleMiB)} | ${fmt(m.rssMiB)} | ${m.kibPerConnection.toFixed(1)} |`,
  )
  const cpuRows = Object.entries(r.cpu.cores).map(([k, c]) => `| ${k} | ${c.toFixed(3)} | ${fmt((c * 1e6) / r.rate)} |`)
  const totalCores = Object.values(r.cpu.cores).reduce((x, y) => x + y, 0)
  const k = r.kill
  const killLine = k
    ? `- **One broker killed** (SIGKILL of ${k.broker}, which held ${fmt(k.held)} connections): ${fmt(k.dropped)} devices lost their connection (${fmt(k.closes)} connections lost in all: some devices lost a second one during the storm); **all reconnected through HAProxy after ${secs(k.reconnectedMs)}**; readings in flight at the kill acknowledged again after ${secs(k.resumedMs)}. Probe latency from the kill until then (a probe on the killed broker waits for its own reconnection): p50 ${fmt(during.p50)} ms, p99 ${fmt(during.p99)} ms (${during.n} probes${during.note}).`
    : '- No broker was killed in this run (`--no-kill`).'
  const lossLine =
    r.loss.lost === 0
      ? `**none lost**: all ${fmt(r.loss.acked)} readings acknowledged to the devices (of ${fmt(r.loss.published)} published) are in InfluxDB`
      : `**${fmt(r.loss.lost)} acknowledged readings missing** (of ${fmt(r.loss.acked)}): ${r.loss.problems.slice(0, 5).join('; ')}`
  return `### London on one box: devices through HAProxy to brokers on Redis (bench/fleet/fleet-bench.ts)

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineDetails()}; the run took ${fmt(r.seconds)} s. Load average (1 min) ${r.loadBefore.toFixed(1)} before, ${r.loadAfter.toFixed(1)} after (other work on the machine skews the figures).

- **${fmt(r.connect.connections)} connections**: concurrent authenticated device connections held by ${r.plan.brokers} brokers, each device publishing one QoS 1 reading a minute (${fmt(r.rate)} readings/s in all).
- Connecting them took ${secs(r.connect.connectMs)} (${loginsPerSecond.toFixed(0)} logins/s, ${r.concurrency} CONNECTs at a time; ${r.connect.refusals} refusals, ${r.connect.timeouts} CONNACK timeouts retried).
- **Steady state: publish -> queryable p99 ${fmt(steady.p99)} ms** (p50 ${fmt(steady.p50)} ms; ${steady.n} probe readings${steady.note}; goal < 1 s: ${steady.p99 < 1000 && steady.unseen === 0 ? 'met' : '**not met**'}).
${killLine}
- Loss check: ${lossLine}.

![Devices connected and probe latency over the run](img/fleet.svg)

| broker | connections | RSS before devices MiB | RSS with devices MiB | KiB per connection |
| --- | ---: | ---: | ---: | ---: |
${memRows.join('\n')}

CPU at steady state (${fmt(r.cpu.seconds)} s, ${fmt(r.rate)} readings/s; ${totalCores.toFixed(2)} cores in all):

| process | cores | µs per reading |
| --- | ---: | ---: |
${cpuRows.join('\n')}

Set-up: every part its own process on loopback. redis-server as the compose file runs it (append-only, fsync every second); ${r.plan.brokers} \`streetsense broker\` nodes with \`--redis-url\` (persistence and emitter on Redis), \`--connections-per-minute-per-address 0\` (docs/broker.md: behind a TCP load balancer) and \`--max-connections ${fmt(r.plan.brokerCap)}\` (what one node may hold here, below); Debian's HAProxy with deploy/compose/haproxy.cfg (bind and server addresses changed to loopback ports, server options \`${r.haproxy.serverOptions}\` kept); one \`streetsense ingest\` (4 consumer connections through HAProxy) and influxd. The load generator (bench/load) holds one raw MQTT connection per device, each with its own credentials, as the edge agent connects: clean session off, a downlink subscription after every CONNACK, keepalive 30 s, a 10 s CONNACK timeout and reconnection with exponential backoff and full jitter (1 s to 60 s). Latency: ${r.allProbes.length ? `${fmt(r.allProbes.length)} readings from 10` : 'no'} probe devices (one a second each, through HAProxy) polled in InfluxDB every 100 ms. RSS per connection: (broker RSS after the fleet connected - before) / its connections.

${limits(r, loginsPerSecond)}
`
}

function buckets(samples: ProbeSample[], t0: number, widthMs: number) {
  const by = new Map<number, number[]>()
  for (const s of samples) {
    const b = Math.floor((s.sentAt - t0) / widthMs)
    by.set(b, [...(by.get(b) ?? []), s.latencyMs])
  }
  return [...by]
    .sort((x, y) => x[0] - y[0])
    .map(([b, l]) => {
      const sorted = l.filter(Number.isFinite).sort((x, y) => x - y)
      return { t: ((b + 0.5) * widthMs) / 1000, p50: percentile(sorted, 50), p99: percentile(sorted, 99) }
    })
}

export function fleetSvg(r: FleetReport): string {
  const t0 = r.connectStart
  const connected = r.timeline.map((p) => [(p.t - t0) / 1000, p.connected] as [number, number])
  const kill = r.kill ? (r.kill.killedAt - t0) / 1000 : undefined
  const lat = buckets(r.allProbes, t0, 5000)
  return lineChart(`${fmt(r.plan.devices)} devices, ${r.plan.brokers} brokers behind HAProxy`, [
    {
      title: 'Devices connected',
      xLabel: 's since the fleet started connecting',
      yLabel: 'connections',
      series: [
        { name: 'connected', colour: '#1f77b4', points: connected },
        ...(kill !== undefined
          ? [
              {
                name: 'broker killed',
                colour: '#d62728',
                dash: '4 3',
                points: [
                  [kill, 0],
                  [kill, r.plan.devices],
                ] as [number, number][],
              },
            ]
          : []),
      ],
    },
    {
      title: 'Probe latency (5 s buckets, log scale)',
      xLabel: 's since the fleet started connecting',
      yLabel: 'publish → queryable (ms)',
      logY: true,
      series: [
        { name: 'latency p50', colour: '#2ca02c', dash: '2 3', points: lat.map((b) => [b.t, b.p50]) },
        { name: 'latency p99', colour: '#ff7f0e', dash: '8 3', points: lat.map((b) => [b.t, b.p99]) },
      ],
    },
  ])
}
