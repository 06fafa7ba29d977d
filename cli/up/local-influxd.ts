/**
 * Runs Debian's influxd (InfluxDB 1.x) for `streetsense up` on a data directory inside the
 * project, so a second run finds the same data. Bound to loopback only.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { StreetsenseError } from '../../core/index.js'

export interface LocalInflux {
  url: string
  stop(): Promise<void>
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

/** True when an InfluxDB answers; a listener that never answers (not HTTP) counts as no within 2 s. */
async function ping(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) })).status === 204
  } catch {
    return false
  }
}

/**
 * The cause of an influxd failure in one line: its last `run:` or error line (influxd logs a dozen
 * info lines first and the reason last), without the timestamp and log id.
 */
export function influxdCause(log: string): string {
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const cause =
    [...lines].reverse().find((l) => /^run: |lvl=(error|fatal)|\berr(or)?\b/i.test(l)) ?? lines[lines.length - 1]
  if (!cause) return 'no output'
  const msg = /msg="([^"]*)"/.exec(cause)?.[1]
  const err = /error="([^"]*)"|err="([^"]*)"/.exec(cause)
  return msg ? [msg, err?.[1] ?? err?.[2]].filter(Boolean).join(': ') : cause
}

function influxdFailed(what: string, logFile: string, log: string): StreetsenseError {
  return new StreetsenseError('IOT_UP_INFLUXD_FAILED', `influxd ${what}: ${influxdCause(log)} (its log: ${logFile})`)
}

export async function startLocalInfluxd(dataDir: string, port: number): Promise<LocalInflux> {
  const url = `http://127.0.0.1:${port}`
  if (spawnSync('influxd', ['version']).error) {
    throw new StreetsenseError(
      'IOT_UP_INFLUXD_MISSING',
      'influxd is not installed: run `sudo apt-get install influxdb`, or use --influx-url to point at an existing InfluxDB',
    )
  }
  const dir = join(dataDir, 'influxdb')
  mkdirSync(dir, { recursive: true })
  const configPath = join(dir, 'influxdb.conf')
  // The RPC port (backup/restore only) is whatever the kernel has free, not port + 2: a fixed
  // offset could be the MQTT or HTTP port the user chose (it once was, in a test).
  writeFileSync(configPath, influxdConfig(dir, port, await kernelFreePort()))
  const logFile = join(dir, 'influxd.log')
  const logFd = openSync(logFile, 'a')
  // Only this run's lines count when explaining a failure.
  const from = statSync(logFile).size
  const child: ChildProcess = spawn('influxd', ['run', '-config', configPath], { stdio: ['ignore', 'ignore', logFd] })
  closeSync(logFd)
  const logSoFar = () => readFileSync(logFile, 'utf8').slice(from)
  const deadline = Date.now() + 60_000
  while (!(await ping(url))) {
    if (child.exitCode !== null) throw influxdFailed(`exited (${child.exitCode})`, logFile, logSoFar())
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw influxdFailed(`did not answer on ${url} within 60 s`, logFile, logSoFar())
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return { url, stop: () => stopChild(child) }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
