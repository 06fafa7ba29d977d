/**
 * bench/broker overload: QoS 0 publishers flat out while the only subscriber stops reading (its
 * socket is paused), then the subscriber drops its connection with the backlog still queued:
 * the case that crashed plain Aedes in our baseline (docs/broker.md). For plain Aedes and for
 * `streetsense broker` (overload guard on): peak RSS, messages accepted, and whether the broker
 * survived. Writes docs/benchmarks.md between `bench:broker-overload` markers.
 *   node --import tsx bench/broker/overload.ts [seconds=10] [publishers=20]
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { buildEntry } from '../../registry/defaults.js'
import { openRegistry } from '../../registry/registry.js'
import type { RegisterEntry } from '../../schemas/types.gen.js'
import { freePort, waitFor } from '../../test/helpers/ports.js'
import { machineDetails, writeBenchSection } from '../machine.js'

const SECONDS = Number(process.argv[2] ?? 10)
const PUBLISHERS = Number(process.argv[3] ?? 20)
const BOROUGH = 'E09000007'
const dir = mkdtempSync(join(tmpdir(), 'ss-overload-'))
const registry = openRegistry(dir)
const devices = Array.from({ length: PUBLISHERS }, (_, i) => {
  const id = `ovl-${i}`
  const { password } = registry.addSensor(buildEntry({ id, borough: BOROUGH, kind: 'air' }) as unknown as RegisterEntry)
  return { id, password, topic: `streetsense/v1/${BOROUGH}/${id}/air` }
})
const ingestPassword = registry.addAccount({ username: 'ingest', role: 'ingest' }).password
registry.close()

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024

async function start(kind: 'ours' | 'plain'): Promise<{ proc: ChildProcess; url: string; out: () => string }> {
  const port = await freePort()
  const args =
    kind === 'ours'
      ? ['bin/streetsense.js', 'broker', '--data-dir', dir, '--host', '127.0.0.1', '--port', String(port), '--metrics-port', '0',
         '--publishes-per-second-per-device', '0', '--connections-per-minute-per-address', '0', '--log-level', 'warn']
      : ['--import', 'tsx', 'bench/broker/plain-aedes.ts', String(port)] // biome-ignore format: argument list
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', (c: Buffer) => {
    out += c.toString()
  })
  proc.stderr.on('data', (c: Buffer) => {
    out += c.toString()
  })
  await waitFor(() => out.includes('listening'), 30_000, 'broker')
  return { proc, url: `mqtt://127.0.0.1:${port}`, out: () => out }
}

async function run(kind: 'ours' | 'plain') {
  const broker = await start(kind)
  const sub = mqtt.connect(broker.url, {
    clientId: 'ingest/slow',
    username: 'ingest',
    password: ingestPassword,
    reconnectPeriod: 0,
  })
  await new Promise((r) => sub.once('connect', r))
  await sub.subscribeAsync(`streetsense/v1/${BOROUGH}/+/air`, { qos: 0 })
  // Stop reading: the broker's writes to this subscriber back up.
  ;(sub.stream as unknown as { pause(): void }).pause()
  const pubs = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/broker/publishers.ts', broker.url, JSON.stringify(devices), String(10_000_000), '0'],
    { stdio: 'ignore' },
  )
  let peak = 0
  const sampler = setInterval(() => {
    if (broker.proc.exitCode === null) peak = Math.max(peak, rssMiB(broker.proc.pid!))
  }, 200)
  await new Promise((r) => setTimeout(r, SECONDS * 1000))
  pubs.kill('SIGKILL')
  // The subscriber leaves with the backlog still queued.
  sub.stream.destroy()
  await new Promise((r) => setTimeout(r, 5000))
  clearInterval(sampler)
  const alive = broker.proc.exitCode === null
  const crash = alive
    ? ''
    : (/(RangeError[^\n]*|FATAL ERROR[^\n]*|Error:[^\n]*)/.exec(broker.out())?.[1] ?? `exit ${broker.proc.exitCode}`)
  if (alive) broker.proc.kill('SIGTERM')
  await new Promise((r) => (broker.proc.exitCode !== null ? r(null) : broker.proc.once('exit', r)))
  return { peak, alive, crash }
}

const rows: string[] = []
try {
  for (const [name, kind] of [
    ['plain Aedes 1.2', 'plain'],
    ['streetsense broker (overload guard)', 'ours'],
  ] as const) {
    const r = await run(kind)
    console.log(name, r)
    rows.push(`| ${name} | ${Math.round(r.peak)} | ${r.alive ? 'yes' : `**no**: ${r.crash.slice(0, 80)}`} |`)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
const md = `### Broker overload: a subscriber that stops reading (bench/broker/overload.ts)

Measured ${new Date().toISOString().slice(0, 10)} on ${machineDetails()}. ${PUBLISHERS} QoS 0 publishers flat out for
${SECONDS} s while the only subscriber's socket is paused; then the subscriber's connection is destroyed with the
backlog still queued, and we wait 5 s.

| broker | peak RSS MiB | alive after |
| --- | ---: | --- |
${rows.join('\n')}
`
writeBenchSection('broker-overload', md)
console.log(md)
