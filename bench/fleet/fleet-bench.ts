/**
 * bench/fleet ("London on one box"): N authenticated devices held open at once against the
 * cluster profile (Redis, 2+ `streetsense broker` nodes, HAProxy with the repository's
 * configuration, `streetsense ingest`, influxd; as many brokers, HAProxy instances and generator
 * processes as this machine's open-files and port limits ask for, bench/fleet/plan.ts), each device publishing one reading a minute as
 * the edge agent does (persistent session, downlink subscription, keepalive 30 s, QoS 1).
 * Measures: login rate while the fleet connects, broker RSS per connection, CPU per process at
 * steady state, probe latency publish -> queryable, one broker killed (time until its devices
 * have reconnected through HAProxy and resumed), and a loss check of every acknowledged reading.
 * Writes docs/benchmarks.md (bench:fleet markers) and docs/img/fleet.svg.
 *   node --import tsx bench/fleet/fleet-bench.ts [--devices 100000] [--brokers 2] [--steady 120]
 *     [--warm 30] [--no-kill] [--kill-limit 1800] [--probes 10] [--concurrency N] [--cache-dir DIR]
 *     [--files-per-process N: plan as if each process could open only N files, to try the
 *      many-process set-up (several generators, HAProxy instances, brokers) with a small fleet]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { procSample, sleep } from '../e2e/measure.js'
import { type ShardedLoad, startShardedLoad } from '../load/sharded.js'
import { writeBenchSection } from '../machine.js'
import { type Cluster, startCluster } from './cluster.js'
import { fleetSensor } from './fleet-ids.js'
import { storedCheck } from './fleet-loss.js'
import { brokerMemory, followConnections, killOneBroker, steadyCpu } from './phases.js'
import { planFleet } from './plan.js'
import { type Probes, startProbes } from './probes.js'
import { type FleetRegistry, fleetRegistry } from './registry-cache.js'
import { type FleetReport, fleetMarkdown, fleetSvg } from './report.js'

const { values: a } = parseArgs({
  options: {
    devices: { type: 'string', default: '100000' },
    brokers: { type: 'string', default: '2' },
    probes: { type: 'string', default: '10' },
    steady: { type: 'string', default: '120' },
    warm: { type: 'string', default: '30' },
    'no-kill': { type: 'boolean', default: false },
    'kill-limit': { type: 'string', default: '1800' },
    concurrency: { type: 'string' },
    'cache-dir': { type: 'string' },
    'haproxy-maxconn': { type: 'string' },
    'files-per-process': { type: 'string' },
  },
})
const N = Number(a.devices)
const PLAN = planFleet(N, {
  brokers: Number(a.brokers),
  kill: !a['no-kill'],
  ...(a['haproxy-maxconn'] ? { haproxyMaxconn: Number(a['haproxy-maxconn']) } : {}),
  ...(a['files-per-process'] ? { filesPerProcess: Number(a['files-per-process']) } : {}),
})
const CONCURRENCY = Number(a.concurrency ?? 16 * PLAN.brokers)
const INGEST_CONNECTIONS = 4
const log = (s: string) => process.stderr.write(`${s}\n`)

interface Loaded {
  load: ShardedLoad
  connectStart: number
}

async function connectFleet(reg: FleetRegistry, cluster: Cluster): Promise<Loaded> {
  log(`connecting ${N} devices (${CONCURRENCY} CONNECTs at a time, ${PLAN.generators} generator processes)...`)
  const connectStart = Date.now()
  const load = await startShardedLoad(
    {
      host: '127.0.0.1',
      port: cluster.haproxy.port,
      sensors: reg.sensors,
      localAddresses: PLAN.addresses,
      // As edge/publish/publisher.ts connects.
      clean: false,
      subscribe: true,
      keepaliveSeconds: 30,
      window: 20,
      connectConcurrency: CONCURRENCY,
      connectTimeoutMs: 10_000,
      timeStepMs: 60_000,
    },
    PLAN.generators,
    {
      ...(PLAN.files.raised ? { maxFiles: PLAN.files.perProcess } : {}),
      connectTimeoutMs: N * 500 + 600_000,
    },
  )
  log(`  ${N} connected in ${((Date.now() - connectStart) / 1000).toFixed(1)} s`)
  return { load, connectStart }
}

/** Warm-up, then CPU and probe latency over the steady window; broker memory at its start. */
async function steadyState(cluster: Cluster, load: ShardedLoad, probes: Probes, idleKb: Map<string, number>) {
  const rate = N / 60
  const step = load.step(rate, Number(a.warm) + Number(a.steady), 0, 600_000)
  await sleep(Number(a.warm) * 1000)
  const memory = await brokerMemory(cluster.brokers, idleKb)
  const from = Date.now()
  log(`steady state: ${Math.round(rate)} readings/s for ${a.steady} s...`)
  const generators = Object.fromEntries(load.pids.map((pid, i) => [`load generator ${i}`, pid]))
  const cpu = await steadyCpu({ ...cluster.pids(), ...generators }, Number(a.steady))
  const steadyProbes = probes.samples(from, Date.now())
  const done = await step
  return { rate, memory, cpu, steadyProbes, done }
}

async function killPhase(cluster: Cluster, load: ShardedLoad, seqStart: number) {
  const step = load.step(N / 60, Number(a['kill-limit']) + 120, seqStart, 600_000)
  await sleep(5000)
  log('killing the broker that holds most devices (SIGKILL)...')
  const kill = await killOneBroker(cluster, load, Number(a['kill-limit']) * 1000)
  log(`  ${kill.dropped} dropped; all reconnected after ${kill.reconnectedMs} ms, resumed after ${kill.resumedMs} ms`)
  await sleep(15_000)
  await load.cut()
  return { kill, done: await step }
}

async function measure(reg: FleetRegistry, cluster: Cluster): Promise<FleetReport> {
  const startedAt = Date.now()
  const loadBefore = loadavg()[0]!
  await sleep(3000) // the ingest's consumers connect through HAProxy
  const idleKb = new Map(cluster.brokers.map((b) => [b.name, procSample(b.pid).rssKb]))
  const timeline = followConnections(cluster, INGEST_CONNECTIONS)
  const { load, connectStart } = await connectFleet(reg, cluster)
  try {
    const probes = await startProbes(
      reg.probes,
      { host: '127.0.0.1', port: cluster.haproxy.port },
      cluster.influx,
      1000,
    )
    const steady = await steadyState(cluster, load, probes, idleKb)
    const loads = [
      { label: 'steady', seqStart: 0, publishedBySensor: steady.done.published, ackedBySensor: steady.done.acked },
    ]
    const seqStart = Math.max(...Object.values(steady.done.published))
    const killed = a['no-kill'] ? undefined : await killPhase(cluster, load, seqStart)
    if (killed)
      loads.push({
        label: 'kill',
        seqStart,
        publishedBySensor: killed.done.published,
        ackedBySensor: killed.done.acked,
      })
    await probes.stop()
    log(`  probe readings never seen: ${JSON.stringify(probes.unseen())}`)
    await timeline.stop()
    log('checking every acknowledged reading...')
    const loss = await storedCheck(cluster.influx, loads)
    log(
      `  lost ${loss.lost} of ${loss.acked}${loss.problems.length ? `: ${loss.problems.slice(0, 10).join('; ')}` : ''}`,
    )
    if (loss.lost > 0) log(`  readings missing by borough: ${JSON.stringify(missingByBorough(loss.problems))}`)
    log(`  ingest /readyz after the run: ${await (await fetch(`${ingestUrl(cluster)}/readyz`)).text()}`)
    const k = killed?.kill
    return {
      plan: PLAN,
      concurrency: CONCURRENCY,
      connect: load.connect,
      haproxy: cluster.haproxy.config,
      memory: steady.memory,
      cpu: steady.cpu,
      rate: steady.rate,
      steadyProbes: steady.steadyProbes,
      killProbes: k
        ? probes.samples(k.killedAt, k.killedAt + (Number.isFinite(k.resumedMs) ? k.resumedMs : 60_000))
        : [],
      allProbes: probes.samples(0, Number.MAX_SAFE_INTEGER),
      timeline: timeline.points,
      connectStart,
      kill: k,
      loss,
      loadBefore,
      loadAfter: loadavg()[0]!,
      seconds: (Date.now() - startedAt) / 1000,
    }
  } finally {
    await load.stop()
  }
}

/** Where the missing readings were: the ingest splits the boroughs between its consumer connections. */
function missingByBorough(problems: string[]): Record<string, number> {
  const by: Record<string, number> = {}
  for (const p of problems) {
    const m = /f-(\d+): acked (\d+)\/\d+, stored (\d+)/.exec(p)
    if (!m) continue
    const borough = fleetSensor(Number(m[1])).borough
    by[borough] = (by[borough] ?? 0) + Number(m[2]) - Number(m[3])
  }
  return by
}

const ingestUrl = (cluster: Cluster) => `http://127.0.0.1:${cluster.ingest.ready.opsPort as number}`

async function main(): Promise<void> {
  const reg = await fleetRegistry(N, Number(a.probes), { ...(a['cache-dir'] ? { cacheDir: a['cache-dir'] } : {}), log })
  log(
    `cluster: redis, ${PLAN.brokers} brokers, ${PLAN.haproxies} haproxy, ingest, influxd (${JSON.stringify(PLAN)})...`,
  )
  const cluster = await startCluster(reg, PLAN)
  try {
    const report = await measure(reg, cluster)
    const img = join(import.meta.dirname, '..', '..', 'docs', 'img')
    mkdirSync(img, { recursive: true })
    writeFileSync(join(img, 'fleet.svg'), fleetSvg(report))
    const md = fleetMarkdown(report)
    writeBenchSection('fleet', md)
    console.log(md)
  } finally {
    await cluster.stop().catch((err: Error) => log(`stopping the cluster: ${err.message}`))
    reg.remove()
  }
}

await main()
process.exit(0)
