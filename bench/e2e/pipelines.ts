/**
 * The two pipelines bench/e2e drives with the same load generator (bench/load), every part its
 * own process, each run on its own fresh influxd:
 * - streetsense: sensors registered with the real CLI (`streetsense sensors import`), `streetsense
 *   broker` (auth + ACL + guards on; only the per-device publish-rate and per-address connection
 *   limits off: the load comes from one address far above a device's normal rate) and
 *   `streetsense ingest` with its production defaults (4 consumer connections), both at the
 *   production log level (info) (bench/service.ts);
 * - naive: plain Aedes 1.2 (bench/broker/plain-aedes.ts) and one mqtt.js consumer that acks on
 *   receipt, checks with ajv against the same schema and writes batches (bench/ingest/naive-consumer.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { buildEntry } from '../../registry/defaults.js'
import type { InfluxServer } from '../../test/helpers/influxd.js'
import { freePort } from '../../test/helpers/ports.js'
import { addAccount, cli, type Issued, tempDir } from '../../test/helpers/processes.js'
import { BENCH_SENSORS } from '../ingest/common.js'
import { type LoadGenerator, startLoadGenerator } from '../load/control.js'
import type { PacketSensor } from '../load/packets.js'
import { type ServiceOptions, startAll, startService } from '../service.js'

export type Role = 'load' | 'broker' | 'ingest' | 'influxd'
export const ROLES: Role[] = ['load', 'broker', 'ingest', 'influxd']
export type PipelineName = 'streetsense' | 'naive'
/** Extra Node flags or environment for the streetsense broker and ingest (e.g. --cpu-prof). */
export type ProcessEnv = { broker?: ServiceOptions; ingest?: ServiceOptions }

export interface Pipeline {
  name: PipelineName
  url: string
  /** The ingest's HTTP port (register, open data API), streetsense only. */
  httpUrl?: string
  load: LoadGenerator
  pids: Record<Role, number>
  stop(): Promise<void>
}

/** Sensors registered once per bench run (every login's scrypt hash is made here), copied into each run. */
export interface Fleet {
  dir: string
  sensors: PacketSensor[]
  probe: PacketSensor
  ingest: Issued
  remove(): void
}

export async function registerFleet(count: number): Promise<Fleet> {
  const data = tempDir('ss-e2e-fleet-')
  const wanted = BENCH_SENSORS.slice(0, count)
  // The probe shares a borough (and so an ingest consumer connection) with the load.
  const all = [...wanted, { id: 'e2e-probe', borough: wanted[0]!.borough }]
  const file = join(data.dir, 'fleet.json')
  writeFileSync(file, JSON.stringify(all.map((s) => buildEntry({ id: s.id, borough: s.borough, kind: 'air' }))))
  const out = await cli(['sensors', 'import', file, '--data-dir', data.dir, '--json'])
  rmSync(file)
  const issued = JSON.parse(out.trim().split('\n').pop()!) as Issued[]
  const byId = new Map(issued.map((c) => [c.username, c.password]))
  const withPasswords = all.map((s) => {
    const password = byId.get(s.id)
    if (!password) throw new Error(`no credentials issued for ${s.id}`)
    return { ...s, password }
  })
  const ingest = await addAccount(data.dir, 'ingest', 'ingest')
  return { ...data, sensors: withPasswords.slice(0, count), probe: withPasswords[count]!, ingest }
}

/** The pid of the influxd started by test/helpers/influxd.ts (found by its config path). */
export function influxdPid(influx: InfluxServer): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (cmd.startsWith('influxd') && cmd.includes(influx.dir)) return Number(entry)
    } catch {
      // the process went away while we looked
    }
  }
  throw new Error('influxd process not found')
}

function loadFor(port: number, fleet: Fleet): Promise<LoadGenerator> {
  return startLoadGenerator({ host: '127.0.0.1', port, sensors: fleet.sensors, window: 20 })
}

export async function startStreetsense(influx: InfluxServer, fleet: Fleet, env: ProcessEnv = {}): Promise<Pipeline> {
  const data = tempDir('ss-e2e-')
  for (const f of ['registry.sqlite', 'registry.sqlite-wal', 'registry.sqlite-shm'])
    if (existsSync(join(fleet.dir, f))) copyFileSync(join(fleet.dir, f), join(data.dir, f))
  const brokerArgs = ['broker', '--data-dir', data.dir, '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0']
  brokerArgs.push('--publishes-per-second-per-device', '0', '--connections-per-minute-per-address', '0')
  return startAll(async (started) => {
    started.push(async () => data.remove())
    const broker = await startService(brokerArgs, env.broker)
    started.push(() => broker.stop())
    const port = (broker.ready.ports as { mqtt: number }).mqtt
    const url = `mqtt://127.0.0.1:${port}`
    const ingestArgs = ['ingest', '--data-dir', data.dir, '--mqtt-url', url, '--mqtt-username', fleet.ingest.username]
    ingestArgs.push('--http-host', '127.0.0.1', '--http-port', '0', '--ops-port', '0', '--influx-url', influx.url)
    // The password goes by environment, as an operator would pass a secret.
    const ingest = await startService(ingestArgs, {
      ...env.ingest,
      env: { STREETSENSE_MQTT_PASSWORD: fleet.ingest.password, ...env.ingest?.env },
    })
    started.push(() => ingest.stop())
    const load = await loadFor(port, fleet)
    return {
      name: 'streetsense' as const,
      url,
      httpUrl: `http://127.0.0.1:${ingest.ready.port as number}`,
      load,
      pids: { load: load.pid, broker: broker.pid, ingest: ingest.pid, influxd: influxdPid(influx) },
      async stop() {
        await load.stop()
        await ingest.stop()
        await broker.stop()
        data.remove()
      },
    }
  })
}

function spawnReady(file: string, args: string[], nodeArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"event":"listening"')) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)))
  })
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

export async function startNaive(influx: InfluxServer, fleet: Fleet, env: ProcessEnv = {}): Promise<Pipeline> {
  const port = await freePort()
  return startAll(async (started) => {
    const broker = await spawnReady('bench/broker/plain-aedes.ts', [String(port)], env.broker?.nodeArgs)
    started.push(() => stopChild(broker))
    const url = `mqtt://127.0.0.1:${port}`
    await influx.createDatabase('streetsense')
    const args = [url, influx.url, 'streetsense']
    const consumer = await spawnReady('bench/ingest/naive-consumer.ts', args, env.ingest?.nodeArgs)
    started.push(() => stopChild(consumer))
    // Plain Aedes takes any credentials; the generator still sends each sensor's own.
    const load = await loadFor(port, fleet)
    return {
      name: 'naive' as const,
      url,
      load,
      pids: { load: load.pid, broker: broker.pid!, ingest: consumer.pid!, influxd: influxdPid(influx) },
      async stop() {
        await load.stop()
        await stopChild(consumer)
        await stopChild(broker)
      },
    }
  })
}

export function startPipeline(
  name: PipelineName,
  influx: InfluxServer,
  fleet: Fleet,
  env: ProcessEnv = {},
): Promise<Pipeline> {
  return name === 'streetsense' ? startStreetsense(influx, fleet, env) : startNaive(influx, fleet, env)
}
