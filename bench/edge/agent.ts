/**
 * Edge agent benchmarks: (1) resident memory and CPU per reading of an agent process with five
 * sensors sampled every second (two SDS011 and one PMS5003 fed with frames over socat ptys, two
 * simulated), against a bare Node+tsx process as baseline; (2) outbox replay rate: a backlog of
 * readings drained to a real Aedes broker (QoS 1, batches), against plain mqtt.js QoS 1
 * publishing of the same readings one per message with the same in-flight window.
 * Run: node --import tsx bench/edge/agent.ts [--quick]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { createEdgeAgent } from '../../edge/agent.js'
import type { ReadingDraft } from '../../edge/aggregate/aggregator.js'
import { parseEdgeConfig } from '../../edge/config.js'
import { Outbox } from '../../edge/publish/outbox.js'
import { pms5003DataFrame } from '../../edge/sensors/pms5003-frame.js'
import { sds011DataFrame } from '../../edge/sensors/sds011-frame.js'
import { openSensorEnd, startPtyPair } from '../../test/edge/helpers/pty.js'
import { startPlainAedes } from '../../test/helpers/aedes.js'

const quick = process.argv.includes('--quick')
const RUN_S = quick ? 20 : 60
const BACKLOG = quick ? 5000 : 20000
const BUILD = 'dist/bench-edge' // inside the repo so node_modules resolve; dist/ is build output
/** The V8 flags of deploy/streetsense-edge@.service. */
const DEPLOY_FLAGS = ['--max-semi-space-size=1', '--v8-pool-size=1', '--lite-mode']
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function procStats(pid: number): { rssMb: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  const ticks = Number(stat[11]) + Number(stat[12]) // utime + stime, in clock ticks (100/s)
  return { rssMb: rssKb / 1024, cpuMs: ticks * 10 }
}

async function sampleProcess(child: ChildProcess, seconds: number) {
  await sleep(5000) // start-up (tsx compile) is not the steady state
  const start = procStats(child.pid!)
  let peak = start.rssMb
  for (let i = 0; i < seconds; i++) {
    await sleep(1000)
    peak = Math.max(peak, procStats(child.pid!).rssMb)
  }
  const end = procStats(child.pid!)
  return { rssMb: end.rssMb, peakRssMb: peak, cpuMs: end.cpuMs - start.cpuMs }
}

async function footprint(flags: string[], variantsToo: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-edge-'))
  const broker = await startPlainAedes()
  const ptys = await Promise.all([0, 1, 2].map((i) => startPtyPair(dir, `s${i}`)))
  const ends = await Promise.all(ptys.map((p) => openSensorEnd(p.sensorPath)))
  const feeder = setInterval(() => {
    void ends[0]!.write(sds011DataFrame(9.1, 14.2))
    void ends[1]!.write(sds011DataFrame(10.3, 15.8))
    void ends[2]!.write(pms5003DataFrame(5, 9, 13))
  }, 1000)
  const config = {
    sensor: { id: 'bench-air-1', borough: 'E09000007', kind: 'air' },
    broker: { url: broker.url },
    publishIntervalSeconds: 1,
    statusIntervalSeconds: 60,
    dataDir: join(dir, 'data'),
    sensors: [
      { driver: 'sds011', port: ptys[0]!.agentPath },
      { driver: 'sds011', port: ptys[1]!.agentPath },
      { driver: 'pms5003', port: ptys[2]!.agentPath },
      { driver: 'simulated', seed: 1, sampleMs: 1000 },
      { driver: 'simulated', seed: 2, sampleMs: 1000 },
    ],
  }
  const file = join(dir, 'node.json')
  writeFileSync(file, JSON.stringify(config))
  let readings = 0
  broker.broker.on('publish', (p, c) => {
    if (c && p.topic.endsWith('/air')) readings += JSON.parse(p.payload.toString()).readings?.length ?? 1
  })
  const env = { ...process.env, STREETSENSE_LOG_LEVEL: 'warn' }
  // Production path: the esbuild bundle (deploy/bundle-edge.ts) on plain node.
  execFileSync(process.execPath, ['--import', 'tsx', 'deploy/bundle-edge.ts', '--outdir', BUILD])
  const agent = spawn(process.execPath, [...flags, join(BUILD, 'main.mjs'), '--config', file], { env, stdio: 'ignore' })
  const baseline = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env, stdio: 'ignore' })
  const before = readings
  const [a, b] = await Promise.all([sampleProcess(agent, RUN_S), sampleProcess(baseline, RUN_S)])
  const delivered = readings - before
  agent.kill('SIGTERM')
  baseline.kill('SIGTERM')
  await sleep(1000)
  // Other ways to run the same config, memory only: V8 lite mode (no optimising compiler), the
  // bundle without the unit's V8 flags, and the development path (tsx, `streetsense edge run`).
  const variants = (variantsToo ? [[join(BUILD, 'main.mjs')], ['--import', 'tsx', 'edge/main.ts']] : []).map((args) =>
    spawn(process.execPath, [...args, '--config', file], { env, stdio: 'ignore' }),
  )
  const [plain, d] = await Promise.all(variants.map((p) => sampleProcess(p, 8)))
  for (const v of variants) v.kill('SIGTERM')
  clearInterval(feeder)
  await sleep(1000)
  for (const e of ends) await e.close()
  for (const p of ptys) await p.kill()
  await broker.close()
  rmSync(dir, { recursive: true, force: true })
  return { agent: a, baseline: b, dev: d, plain, delivered }
}

function draft(i: number): ReadingDraft {
  return {
    sensor: 'bench-air-2',
    borough: 'E09000007',
    kind: 'air',
    time: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    interval: 60,
    values: { pm2_5: 10 + (i % 7), pm10: 18 + (i % 5), no2: 30 + (i % 11) },
    quality: { grade: 'indicative', status: 'raw' },
  }
}

async function replay() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-edge-replay-'))
  const broker = await startPlainAedes()
  const config = parseEdgeConfig({
    sensor: { id: 'bench-air-2', borough: 'E09000007', kind: 'air' },
    broker: { url: broker.url },
    publishIntervalSeconds: 3600,
    dataDir: dir,
    outbox: { inFlight: 20, batchSize: 60 },
    sensors: [{ driver: 'simulated' }],
  })
  const ob = new Outbox(dir, config.outbox)
  for (let i = 0; i < BACKLOG; i += 1000)
    ob.append(Array.from({ length: Math.min(1000, BACKLOG - i) }, (_, j) => draft(i + j)))
  ob.close()
  const clock = async () => ({ synced: true, source: 'none' as const, detail: 'bench' })
  const agent = createEdgeAgent(config, { logger: pino({ level: 'silent' }), drivers: [], clock })
  const t0 = performance.now()
  await agent.start()
  while (agent.outbox.depth() > 0) await sleep(5)
  const agentS = (performance.now() - t0) / 1000
  await agent.stop()

  // Baseline: the same readings, one QoS 1 message each, 20 in flight, no outbox.
  const bodies = Array.from({ length: BACKLOG }, (_, i) => JSON.stringify({ ...draft(i), seq: i + 1 }))
  const client = await mqtt.connectAsync(broker.url, { clientId: 'bench-baseline', protocolVersion: 4 })
  const topic = 'streetsense/v1/E09000007/bench-air-2/air'
  const t1 = performance.now()
  let next = 0
  await new Promise<void>((resolve) => {
    let done = 0
    const send = () => {
      const body = bodies[next++]
      if (body === undefined) return
      client.publish(topic, body, { qos: 1 }, () => {
        if (++done === BACKLOG) resolve()
        else send()
      })
    }
    for (let k = 0; k < 20; k++) send()
  })
  const baseS = (performance.now() - t1) / 1000
  await client.endAsync()
  await broker.close()
  rmSync(dir, { recursive: true, force: true })
  return { agentRate: BACKLOG / agentS, baseRate: BACKLOG / baseS }
}

function writeResults(md: string): void {
  const path = 'docs/benchmarks.md'
  const start = '<!-- bench:edge:start -->'
  const end = '<!-- bench:edge:end -->'
  let doc = readFileSync(path, 'utf8')
  const block = `${start}\n${md}\n${end}`
  if (doc.includes(start) && doc.includes(end))
    doc = doc.slice(0, doc.indexOf(start)) + block + doc.slice(doc.indexOf(end) + end.length)
  else doc = `${doc.trimEnd()}\n\n## Edge agent\n\n${block}\n`
  writeFileSync(path, doc)
}

const fp = await footprint(DEPLOY_FLAGS, true)
const lite = await footprint(
  DEPLOY_FLAGS.filter((x) => x !== '--lite-mode'),
  false,
)
rmSync(BUILD, { recursive: true, force: true })
const rp = await replay()
const cpu = cpus()
const f = (n: number, d = 1) => n.toLocaleString('en-GB', { maximumFractionDigits: d, minimumFractionDigits: d })
const md = `Run ${new Date().toISOString()} on ${cpu.length} x ${cpu[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 20).toLocaleString('en-GB')} MiB, Node ${process.version}, ${process.platform}/${process.arch}${quick ? ' (--quick)' : ''}. Script: bench/edge/agent.ts.

**Footprint**: one agent process, 5 sensors sampled every 1 s (2 x SDS011 + 1 x PMS5003 on socat ptys through serialport 13, 2 x simulated), 1 s publish interval to a local Aedes; steady state over ${RUN_S} s after a 5 s start-up. The agent runs as deployed: the esbuild bundle of deploy/bundle-edge.ts on plain node. Baseline: an idle plain node process.

| process | RSS at end (MB) | peak RSS (MB) | CPU (ms) over ${RUN_S} s | readings delivered | CPU per reading (ms) |
|---|---:|---:|---:|---:|---:|
| edge agent (bundle, unit's flags \`${DEPLOY_FLAGS.join(' ')}\`) | ${f(fp.agent.rssMb)} | ${f(fp.agent.peakRssMb)} | ${f(fp.agent.cpuMs, 0)} | ${fp.delivered} | ${f(fp.agent.cpuMs / Math.max(1, fp.delivered), 2)} |
| baseline (idle plain node) | ${f(fp.baseline.rssMb)} | ${f(fp.baseline.peakRssMb)} | ${f(fp.baseline.cpuMs, 0)} | - | - |
| same without \`--lite-mode\` (separate ${RUN_S} s run) | ${f(lite.agent.rssMb)} | ${f(lite.agent.peakRssMb)} | ${f(lite.agent.cpuMs, 0)} | ${lite.delivered} | ${f(lite.agent.cpuMs / Math.max(1, lite.delivered), 2)} |
| bundle, default V8 flags (8 s) | ${f(fp.plain!.rssMb)} | ${f(fp.plain!.peakRssMb)} | - | - | - |
| under tsx (\`streetsense edge run\`, dev path, 8 s) | ${f(fp.dev!.rssMb)} | ${f(fp.dev!.peakRssMb)} | - | - | - |

Agent/baseline RSS ratio ${f(fp.agent.rssMb / fp.baseline.rssMb, 2)}. Goal < 80 MB RSS with the unit's flags: ${fp.agent.peakRssMb < 80 ? 'met (peak)' : fp.agent.rssMb < 80 ? 'met at steady state, NOT at peak' : 'NOT met'}; without --lite-mode: ${lite.agent.peakRssMb < 80 ? 'met (peak)' : lite.agent.rssMb < 80 ? 'met at steady state, NOT at peak' : 'NOT met'}. CPU per reading with lite mode (no optimising compiler) ${f(fp.agent.cpuMs / Math.max(1, fp.delivered), 2)} ms, without ${f(lite.agent.cpuMs / Math.max(1, lite.delivered), 2)} ms. (CPU is read from /proc in 10 ms ticks.)

**Outbox replay**: a backlog of ${BACKLOG.toLocaleString('en-GB')} readings in the SQLite outbox (WAL, synchronous=FULL) drained to Aedes over loopback, 20 messages in flight, batches of up to 60, each row marked sent on PUBACK.

| path | readings/s |
|---|---:|
| edge agent outbox replay (batched) | ${f(rp.agentRate, 0)} |
| baseline: mqtt.js QoS 1, one reading per message, 20 in flight, no outbox | ${f(rp.baseRate, 0)} |

Ratio agent/baseline: ${f(rp.agentRate / rp.baseRate, 2)}.`
writeResults(md)
console.log(md)
process.exit(0)
