/**
 * The platform under test, every part its own process: sensors registered with the real CLI
 * (`streetsense sensors import` / `add-account`), `streetsense broker` (auth + ACL on; only the
 * per-device publish-rate and per-address connection limits off, as the load comes from one
 * address and is far above a device's normal rate), `streetsense ingest` with its production
 * defaults, the caller's influxd, and the e2e load generator holding one connection per sensor.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import { buildEntry } from '../../broker/registry/defaults.js'
import type { InfluxServer } from '../../test/helpers/influxd.js'
import {
  addAccount,
  type BrokerProcess,
  cli,
  type IngestProcess,
  startBroker,
  startIngest,
  tempDir,
} from '../../test/helpers/processes.js'
import { BENCH_SENSORS } from '../ingest/common.js'

export interface FleetSensor {
  id: string
  borough: string
  password: string
}

/** Registers sensors through `streetsense sensors import --json` (one CLI start for all). */
async function registerFleet(dataDir: string, sensors: { id: string; borough: string }[]): Promise<FleetSensor[]> {
  const file = join(dataDir, 'e2e-fleet.json')
  writeFileSync(file, JSON.stringify(sensors.map((s) => buildEntry({ id: s.id, borough: s.borough, kind: 'air' }))))
  const out = await cli(['sensors', 'import', file, '--data-dir', dataDir, '--json'])
  rmSync(file)
  const issued = JSON.parse(out.trim().split('\n').pop()!) as { username: string; password: string }[]
  const byId = new Map(issued.map((c) => [c.username, c.password]))
  return sensors.map((s) => {
    const password = byId.get(s.id)
    if (!password) throw new Error(`no credentials issued for ${s.id}`)
    return { ...s, password }
  })
}

export interface LoadStepResult {
  published: Record<string, number>
  acked: Record<string, number>
  firstAt: number
  lastAckAt: number
}

export interface Platform {
  broker: BrokerProcess
  ingest: IngestProcess
  load: ChildProcess
  probe: FleetSensor
  fleet: FleetSensor[]
  pids: Record<'broker' | 'ingest' | 'influxd' | 'load', number>
  step(rate: number, seconds: number, seqStart: number): Promise<LoadStepResult>
  stop(): Promise<void>
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

export async function startPlatform(influx: InfluxServer, sensorCount: number): Promise<Platform> {
  const data = tempDir('ss-e2e-')
  const wanted = BENCH_SENSORS.slice(0, sensorCount)
  // The probe shares a borough (and so an ingest consumer connection) with the load.
  const fleetAndProbe = await registerFleet(data.dir, [...wanted, { id: 'e2e-probe', borough: wanted[0]!.borough }])
  const fleet = fleetAndProbe.slice(0, sensorCount)
  const probe = fleetAndProbe[sensorCount]!
  const ingestAccount = await addAccount(data.dir, 'ingest', 'ingest')
  const broker = await startBroker(data.dir, [
    '--publishes-per-second-per-device',
    '0',
    '--connections-per-minute-per-address',
    '0',
  ])
  const ingest = await startIngest({
    dataDir: data.dir,
    mqttUrl: broker.url,
    username: ingestAccount.username,
    password: ingestAccount.password,
    influxUrl: influx.url,
    // The production default (the helper's default is 1, for tests).
    args: ['--mqtt-connections', '4'],
  })
  const load = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/e2e/load-generator.ts', JSON.stringify({ url: broker.url, sensors: fleet })],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const lines: Interface = createInterface({ input: load.stdout! })
  const waiting: { resolve(line: string): void; reject(err: Error): void }[] = []
  lines.on('line', (line) => waiting.shift()?.resolve(line))
  load.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`load generator exited with ${code}`))
  })
  const nextLine = (timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('load generator did not answer')), timeoutMs)
      waiting.push({
        resolve(line) {
          clearTimeout(timer)
          resolve(line)
        },
        reject(err) {
          clearTimeout(timer)
          reject(err)
        },
      })
    })
  const ready = JSON.parse(await nextLine(120_000)) as { event: string }
  if (ready.event !== 'listening') throw new Error(`load generator: ${JSON.stringify(ready)}`)

  return {
    broker,
    ingest,
    load,
    probe,
    fleet,
    pids: { broker: broker.pid, ingest: ingest.pid, influxd: influxdPid(influx), load: load.pid! },
    async step(rate, seconds, seqStart) {
      load.stdin!.write(`${JSON.stringify({ rate, seconds, seqStart })}\n`)
      // Acks may take long after an overload step: the broker holds publishers back.
      return JSON.parse(await nextLine(seconds * 1000 + 180_000)) as LoadStepResult
    },
    async stop() {
      if (load.exitCode === null && load.signalCode === null) {
        const exited = new Promise((r) => load.once('exit', r))
        load.stdin!.write('end\n')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
        if (load.exitCode === null) load.kill('SIGKILL')
      }
      await ingest.stop()
      await broker.stop()
      data.remove()
    },
  }
}
