/**
 * bench/broker: delivered msgs/s at one subscriber from many publishers (QoS 0 and 1), for
 * `streetsense broker` (auth + ACL on; publish-rate limit off) vs plain Aedes vs Debian
 * mosquitto, side by side in one invocation; then broker RSS with N idle connections.
 * Writes docs/benchmarks.md between `bench:broker` markers.
 *   node --import tsx bench/broker/broker-bench.ts [publishers=20] [messagesPerPublisher=2000] [idle=2000]
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect as netConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { buildEntry } from '../../registry/defaults.js'
import { openRegistry } from '../../registry/registry.js'
import type { RegisterEntry } from '../../schemas/types.gen.js'
import { freePort, waitFor } from '../../test/helpers/ports.js'
import { machineDetails, writeBenchSection } from '../machine.js'

const PUBLISHERS = Number(process.argv[2] ?? 20)
const PER_PUBLISHER = Number(process.argv[3] ?? 2000)
const IDLE = Number(process.argv[4] ?? 2000)
const BOROUGH = 'E09000007'

const dir = mkdtempSync(join(tmpdir(), 'ss-broker-bench-'))
const registry = openRegistry(dir)
const devices = Array.from({ length: PUBLISHERS }, (_, i) => {
  const id = `bench-${i}`
  const { password } = registry.addSensor(buildEntry({ id, borough: BOROUGH, kind: 'air' }) as unknown as RegisterEntry)
  return { id, password, topic: `streetsense/v1/${BOROUGH}/${id}/air` }
})
const ingestPassword = registry.addAccount({ username: 'ingest', role: 'ingest' }).password
registry.close()

interface Running {
  url: string
  proc: ChildProcess
}
interface Target {
  name: string
  start(): Promise<Running>
}

function spawnAndWait(cmd: string, args: string[], ready: (out: string) => boolean): Promise<ChildProcess> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout?.on('data', (c: Buffer) => {
    out += c.toString()
  })
  proc.stderr?.on('data', (c: Buffer) => {
    out += c.toString()
  })
  return waitFor(() => ready(out), 30_000, `${cmd} start`).then(() => proc)
}

const targets: Target[] = [
  {
    name: 'streetsense broker (auth + ACL)',
    async start() {
      const port = await freePort()
      const args = ['bin/streetsense.js', 'broker', '--data-dir', dir, '--host', '127.0.0.1', '--port', String(port)]
      args.push(
        '--metrics-port',
        '0',
        '--publishes-per-second-per-device',
        '0',
        '--connections-per-minute-per-address',
        '0',
      )
      args.push('--log-level', 'warn')
      const proc = await spawnAndWait(process.execPath, args, (o) => o.includes('"event":"listening"'))
      return { url: `mqtt://127.0.0.1:${port}`, proc }
    },
  },
  {
    name: 'plain Aedes 1.2 (no auth)',
    async start() {
      const port = await freePort()
      const proc = await spawnAndWait(
        process.execPath,
        ['--import', 'tsx', 'bench/broker/plain-aedes.ts', String(port)],
        (o) => o.includes('listening'),
      )
      return { url: `mqtt://127.0.0.1:${port}`, proc }
    },
  },
  {
    name: 'mosquitto 2.0 (no auth)',
    async start() {
      const port = await freePort()
      const conf = join(dir, `mosquitto-${port}.conf`)
      // Large queues so QoS 1 is not dropped for a slow subscriber (mosquitto's defaults drop).
      writeFileSync(
        conf,
        `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\nmax_inflight_messages 1000\n`,
      )
      const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' })
      await waitFor(() => tcpOpen(port), 10_000, 'mosquitto')
      return { url: `mqtt://127.0.0.1:${port}`, proc }
    },
  },
]

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1', () => {
      socket.end()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : 0
}

interface RunResult {
  received: number
  msgsPerSecond: number
  peakRssMiB: number
  alive: boolean
}

async function throughput(running: Running, qos: 0 | 1): Promise<RunResult> {
  const total = PUBLISHERS * PER_PUBLISHER
  const sub: MqttClient = await new Promise((resolve, reject) => {
    const c = mqtt.connect(running.url, {
      clientId: 'ingest/bench',
      username: 'ingest',
      password: ingestPassword,
      reconnectPeriod: 0,
    })
    c.once('connect', () => resolve(c))
    c.once('error', reject)
  })
  await sub.subscribeAsync(`streetsense/v1/${BOROUGH}/+/air`, { qos })
  let received = 0
  let first = 0
  let last = 0
  sub.on('message', () => {
    received++
    last = Date.now()
    if (first === 0) first = last
  })
  let peak = rssMiB(running.proc.pid!)
  const sampler = setInterval(() => {
    if (running.proc.exitCode === null) peak = Math.max(peak, rssMiB(running.proc.pid!))
  }, 200)
  const pubs = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/broker/publishers.ts',
      running.url,
      JSON.stringify(devices),
      String(PER_PUBLISHER),
      String(qos),
    ],
    {
      stdio: 'ignore',
    },
  )
  const pubsDone = new Promise<void>((resolve) => pubs.once('exit', () => resolve()))
  let lastCount = -1
  let idleSince = Date.now()
  await waitFor(
    () => {
      if (received !== lastCount) {
        lastCount = received
        idleSince = Date.now()
      }
      return (
        received >= total || (pubs.exitCode !== null && Date.now() - idleSince > 3000) || running.proc.exitCode !== null
      )
    },
    300_000,
    'delivery',
  )
  clearInterval(sampler)
  // Leaving abruptly with a backlog is what crashed plain Aedes in our baseline (docs/broker.md).
  sub.end(true)
  if (pubs.exitCode === null) pubs.kill()
  await pubsDone
  await new Promise((r) => setTimeout(r, 1500))
  const ms = Math.max(1, last - first)
  return { received, msgsPerSecond: (received / ms) * 1000, peakRssMiB: peak, alive: running.proc.exitCode === null }
}

async function idleRss(running: Running): Promise<{ before: number; after: number; connected: number }> {
  const before = rssMiB(running.proc.pid!)
  const clients: MqttClient[] = []
  for (let i = 0; i < IDLE; i += 100) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(100, IDLE - i) },
        (_, k) =>
          new Promise<MqttClient | undefined>((resolve) => {
            const c = mqtt.connect(running.url, {
              clientId: `ingest/idle-${i + k}`,
              username: 'ingest',
              password: ingestPassword,
              reconnectPeriod: 0,
              keepalive: 600,
            })
            c.once('connect', () => resolve(c))
            c.once('error', () => resolve(undefined))
          }),
      ),
    )
    for (const c of batch) if (c) clients.push(c)
  }
  await new Promise((r) => setTimeout(r, 2000))
  const after = rssMiB(running.proc.pid!)
  for (const c of clients) c.end(true)
  return { before, after, connected: clients.length }
}

const stop = async (r: Running) => {
  if (r.proc.exitCode !== null) return
  const exited = new Promise((resolve) => r.proc.once('exit', resolve))
  r.proc.kill('SIGTERM')
  await Promise.race([exited, new Promise((res) => setTimeout(res, 10_000))])
  if (r.proc.exitCode === null) r.proc.kill('SIGKILL')
}

const rows: string[] = []
const idleRows: string[] = []
try {
  for (const target of targets) {
    for (const qos of [1, 0] as const) {
      const running = await target.start()
      const r = await throughput(running, qos)
      console.log(target.name, `QoS ${qos}`, r)
      rows.push(
        `| ${target.name} | ${qos} | ${r.received.toLocaleString('en-GB')} / ${(PUBLISHERS * PER_PUBLISHER).toLocaleString('en-GB')} | ${Math.round(r.msgsPerSecond).toLocaleString('en-GB')} | ${Math.round(r.peakRssMiB)} | ${r.alive ? 'yes' : '**no (crashed)**'} |`,
      )
      await stop(running)
    }
    const running = await target.start()
    const idle = await idleRss(running)
    console.log(target.name, 'idle', idle)
    idleRows.push(
      `| ${target.name} | ${idle.connected} | ${Math.round(idle.before)} | ${Math.round(idle.after)} | ${(((idle.after - idle.before) * 1024) / Math.max(1, idle.connected)).toFixed(1)} |`,
    )
    await stop(running)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const md = `### MQTT broker (bench/broker/broker-bench.ts)

Measured ${new Date().toISOString().slice(0, 10)} on ${machineDetails()}. ${PUBLISHERS} publisher connections (one
child process) x ${PER_PUBLISHER.toLocaleString('en-GB')} messages of ~120 bytes each, to their own topics; one subscriber
(mqtt.js, in the bench process) on \`streetsense/v1/${BOROUGH}/+/air\`. Each broker runs as its own process on
loopback; all three share the machine's 2 cores with the load. msgs/s = messages delivered to the subscriber
divided by the time between the first and the last delivery. After each run the subscriber disconnects abruptly
(with whatever backlog is left) and the table says whether the broker process survived. streetsense broker runs
with registry authentication and the topic ACL on and the per-device publish-rate limit off
(\`--publishes-per-second-per-device 0\`); mosquitto runs with \`max_queued_messages 1000000\` so it does not drop QoS 1.

| broker | QoS | delivered | msgs/s delivered | peak RSS MiB | alive after |
| --- | ---: | ---: | ---: | ---: | --- |
${rows.join('\n')}

Idle connections (${IDLE.toLocaleString('en-GB')} MQTT 3.1.1 connections, keepalive 600 s, opened in batches of 100; 2,000
rather than 10,000 because one bench process opening 10,000 mqtt.js clients takes minutes on this machine):

| broker | connected | RSS before MiB | RSS after MiB | KiB per connection |
| --- | ---: | ---: | ---: | ---: |
${idleRows.join('\n')}
`
writeBenchSection('broker', md)
console.log(md)
