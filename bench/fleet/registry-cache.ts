/**
 * The fleet's registry for bench/fleet: `count` devices, the probe devices and an ingest account,
 * made with the registry's own code (every password an scrypt hash, as production stores it).
 * Hashing 100,000 passwords takes about an hour of CPU, so the shards are built in parallel child
 * processes (bench/fleet/registry-shard.ts), merged into one SQLite file, and the result is kept
 * in a cache directory (per count) for later runs; each run copies it into a fresh data dir.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { buildEntry } from '../../registry/defaults.js'
import { openRegistry } from '../../registry/registry.js'
import type { PacketSensor } from '../load/packets.js'
import { fleetSensor, probeSensor } from './fleet-ids.js'

const run = promisify(execFile)

export interface FleetRegistry {
  sensors: PacketSensor[]
  probes: PacketSensor[]
  ingest: { username: string; password: string }
  /** A fresh data directory holding a copy of the registry. */
  dataDir: string
  remove(): void
}

interface Cached {
  passwords: string[]
  probes: string[]
  ingest: string
}

async function buildShards(dir: string, count: number, log: (s: string) => void): Promise<string[]> {
  const shards = Math.max(1, Math.min(cpus().length, Math.ceil(count / 500)))
  const per = Math.ceil(count / shards)
  const outputs = await Promise.all(
    Array.from({ length: shards }, async (_, s) => {
      const shardDir = join(dir, `shard-${s}`)
      const from = s * per
      const n = Math.max(0, Math.min(per, count - from))
      const args = ['--import', 'tsx', 'bench/fleet/registry-shard.ts', shardDir, String(from), String(n)]
      const child = run(process.execPath, args, { maxBuffer: 1 << 30 })
      child.child.stderr?.on('data', (c: Buffer) => {
        const last = c.toString().trim().split('\n').pop()
        if (last && /000\//.test(last)) log(last)
      })
      const { stdout } = await child
      return { shardDir, issued: JSON.parse(stdout) as { username: string; password: string }[] }
    }),
  )
  const target = join(dir, 'registry.sqlite')
  openRegistry(dir).close()
  const db = new Database(target)
  for (const { shardDir } of outputs) {
    db.exec(`ATTACH '${join(shardDir, 'registry.sqlite')}' AS s`)
    db.exec(`BEGIN;
      INSERT INTO sensors SELECT * FROM s.sensors;
      INSERT INTO accounts SELECT * FROM s.accounts;
      INSERT INTO credentials SELECT * FROM s.credentials;
      INSERT INTO audit (time, actor, action, sensor, detail) SELECT time, actor, action, sensor, detail FROM s.audit;
      COMMIT;`)
    db.exec('DETACH s')
    rmSync(shardDir, { recursive: true, force: true })
  }
  db.close()
  return outputs.flatMap((o) => o.issued.map((c) => c.password))
}

async function build(dir: string, count: number, probes: number, log: (s: string) => void): Promise<Cached> {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const passwords = await buildShards(dir, count, log)
  const registry = openRegistry(dir)
  const probeEntries = Array.from({ length: probes }, (_, k) => {
    const s = probeSensor(k)
    return buildEntry({ id: s.id, borough: s.borough, kind: 'air' })
  })
  const probePasswords = registry.importSensors(probeEntries, 'bench').map((c) => c.password)
  const ingest = registry.addAccount({ username: 'ingest', role: 'ingest' }, 'bench').password
  registry.close()
  const cached: Cached = { passwords, probes: probePasswords, ingest }
  writeFileSync(join(dir, 'credentials.json'), JSON.stringify(cached))
  return cached
}

export async function fleetRegistry(
  count: number,
  probes: number,
  opts: { cacheDir?: string; log: (s: string) => void },
): Promise<FleetRegistry> {
  const dir = join(opts.cacheDir ?? join(tmpdir(), 'streetsense-bench-fleet'), `${count}-${probes}`)
  const file = join(dir, 'credentials.json')
  let cached: Cached
  if (existsSync(file)) cached = JSON.parse(readFileSync(file, 'utf8')) as Cached
  else {
    opts.log(`building the registry of ${count} devices in ${dir} (scrypt per password; cached for later runs)...`)
    cached = await build(dir, count, probes, opts.log)
  }
  const dataDir = join(tmpdir(), `ss-fleet-run-${process.pid}`)
  rmSync(dataDir, { recursive: true, force: true })
  mkdirSync(dataDir, { recursive: true })
  copyFileSync(join(dir, 'registry.sqlite'), join(dataDir, 'registry.sqlite'))
  return {
    sensors: cached.passwords.map((password, k) => ({ ...fleetSensor(k), password })),
    probes: cached.probes.map((password, k) => ({ ...probeSensor(k), password })),
    ingest: { username: 'ingest', password: cached.ingest },
    dataDir,
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  }
}
