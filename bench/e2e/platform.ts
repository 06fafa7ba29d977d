/**
 * The platform under test, every part its own process: sensors registered with the real CLI
 * (`streetsense sensors import` / `add-account`), `streetsense broker` (auth + ACL on; only the
 * per-device publish-rate and per-address connection limits off, as the load comes from one
 * address and is far above a device's normal rate), `streetsense ingest` with its production
 * defaults, the caller's influxd, and the e2e load generator holding one connection per sensor.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildEntry } from '../../registry/defaults.js'
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
import { type LoadGenerator, type LoadStepResult, startLoadGenerator } from './load-control.js'

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

export interface Platform {
  broker: BrokerProcess
  ingest: IngestProcess
  load: LoadGenerator
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
  const load = await startLoadGenerator(broker.url, fleet)

  return {
    broker,
    ingest,
    load,
    probe,
    fleet,
    pids: { broker: broker.pid, ingest: ingest.pid, influxd: influxdPid(influx), load: load.pid },
    step: (rate, seconds, seqStart) => load.step(rate, seconds, seqStart),
    async stop() {
      await load.stop()
      await ingest.stop()
      await broker.stop()
      data.remove()
    },
  }
}
