/**
 * The cluster profile of docker-compose.yml on one box, every part its own process on loopback:
 * redis-server with the compose file's persistence flags, N `streetsense broker` nodes on Redis
 * (the settings docs/broker.md asks for behind a TCP load balancer: no per-address connection
 * rate; a connection cap each node can hold, bench/fleet/plan.ts), HAProxy with the repository's
 * configuration (as many instances as the open-files limit asks for), one
 * `streetsense ingest` consuming through HAProxy, and influxd.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { type InfluxServer, startInfluxd } from '../../test/helpers/influxd.js'
import { freePort, waitFor } from '../../test/helpers/ports.js'
import { influxdPid } from '../e2e/pipelines.js'
import { type ServiceProcess, startAll, startService } from '../service.js'
import { type Haproxy, startHaproxy } from './haproxy.js'
import type { FleetPlan } from './plan.js'
import type { FleetRegistry } from './registry-cache.js'

const run = promisify(execFile)

export interface Broker extends ServiceProcess {
  name: string
  port: number
  metricsPort: number
  alive: boolean
  /** Connections this node holds (its /healthz). */
  connections(): Promise<number>
}

export interface Cluster {
  influx: InfluxServer
  redis: { proc: ChildProcess; pid: number; url: string }
  brokers: Broker[]
  haproxy: Haproxy
  ingest: ServiceProcess
  pids(): Record<string, number>
  stop(): Promise<void>
}

async function startRedis(dir: string) {
  const port = await freePort()
  // As compose runs it: append-only file, fsync every second.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes']
  const proc = spawn('redis-server', [...args, '--appendfsync', 'everysec'], { stdio: 'ignore' })
  await waitFor(
    async () => (await run('redis-cli', ['-p', String(port), 'ping'])).stdout.trim() === 'PONG',
    15_000,
    'redis',
  )
  return { proc, pid: proc.pid!, url: `redis://127.0.0.1:${port}/0` }
}

async function startBroker(i: number, reg: FleetRegistry, redisUrl: string, plan: FleetPlan): Promise<Broker> {
  const args = ['broker', '--data-dir', reg.dataDir, '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0']
  args.push('--redis-url', redisUrl, '--connections-per-minute-per-address', '0')
  args.push('--max-connections', String(plan.brokerCap))
  const service = await startService(args, plan.files.raised ? { maxFiles: plan.files.perProcess } : {})
  const ports = service.ready.ports as { mqtt: number; metrics: number }
  const broker: Broker = {
    ...service,
    name: `broker-${i}`,
    port: ports.mqtt,
    metricsPort: ports.metrics,
    alive: true,
    async connections() {
      if (!broker.alive) return 0
      const h = (await (await fetch(`http://127.0.0.1:${ports.metrics}/healthz`)).json()) as { connections: number }
      return h.connections
    },
  }
  return broker
}

export async function startCluster(reg: FleetRegistry, plan: FleetPlan): Promise<Cluster> {
  return startAll(async (started) => {
    const influx = await startInfluxd()
    started.push(() => influx.stop())
    const redis = await startRedis(reg.dataDir)
    started.push(async () => {
      redis.proc.kill('SIGTERM')
    })
    const brokers: Broker[] = []
    for (let i = 0; i < plan.brokers; i++) {
      const b = await startBroker(i, reg, redis.url, plan)
      brokers.push(b)
      started.push(() => b.stop())
    }
    const port = await freePort()
    const haproxy = await startHaproxy(
      reg.dataDir,
      port,
      brokers.map((b) => b.port),
      {
        instances: plan.haproxies,
        maxconn: plan.haproxyMaxconn,
      },
    )
    started.push(() => haproxy.stop())
    const ingestArgs = ['ingest', '--data-dir', reg.dataDir, '--mqtt-url', `mqtt://127.0.0.1:${port}`]
    ingestArgs.push(
      '--mqtt-username',
      reg.ingest.username,
      '--http-host',
      '127.0.0.1',
      '--http-port',
      '0',
      '--ops-port',
      '0',
    )
    ingestArgs.push('--influx-url', influx.url)
    const ingest = await startService(ingestArgs, { env: { STREETSENSE_MQTT_PASSWORD: reg.ingest.password } })
    started.push(() => ingest.stop())
    const influxPid = influxdPid(influx)
    return {
      influx,
      redis,
      brokers,
      haproxy,
      ingest,
      pids: () => ({
        ...Object.fromEntries(brokers.filter((b) => b.alive).map((b) => [b.name, b.pid])),
        ...Object.fromEntries(haproxy.pids.map((pid, i) => [`haproxy-${i}`, pid])),
        redis: redis.pid,
        ingest: ingest.pid,
        influxd: influxPid,
      }),
      async stop() {
        for (const stop of [...started].reverse()) await stop().catch(() => undefined)
      },
    }
  })
}
