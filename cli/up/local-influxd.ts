/**
 * Runs Debian's influxd (InfluxDB 1.x) for `streetsense up` on a data directory inside the
 * project, so a second run finds the same data. Bound to loopback only.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

export interface LocalInflux {
  url: string
  stop(): Promise<void>
}

export class InfluxNotInstalledError extends Error {
  readonly code = 'IOT_UP_INFLUXD_MISSING'
}

/** influxd 1.x configuration bound to loopback; also used by the tests' influxd helper. */
export function influxdConfig(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  auth-enabled = false
  max-body-size = 0
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
`
}

function kernelFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

async function ping(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/ping`)).status === 204
  } catch {
    return false
  }
}

export async function startLocalInfluxd(dataDir: string, port: number): Promise<LocalInflux> {
  const url = `http://127.0.0.1:${port}`
  if (spawnSync('influxd', ['version']).error) {
    throw new InfluxNotInstalledError(
      'influxd is not installed: run `sudo apt-get install influxdb`, or use --influx-url to point at an existing InfluxDB',
    )
  }
  if (await ping(url)) throw new Error(`something already answers on ${url}; choose --influx-port or --influx-url`)
  const dir = join(dataDir, 'influxdb')
  mkdirSync(dir, { recursive: true })
  const configPath = join(dir, 'influxdb.conf')
  // The RPC port (backup/restore only) is whatever the kernel has free, not port + 2: a fixed
  // offset could be the MQTT or HTTP port the user chose (it once was, in a test).
  writeFileSync(configPath, influxdConfig(dir, port, await kernelFreePort()))
  const child: ChildProcess = spawn('influxd', ['run', '-config', configPath], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const deadline = Date.now() + 60_000
  while (!(await ping(url))) {
    if (child.exitCode !== null) throw new Error(`influxd exited (${child.exitCode}): ${stderr}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`influxd did not answer on ${url} within 60 s: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}
