/**
 * Real streetsense processes for security, fuzz and fault tests: `streetsense broker`, `ingest`,
 * `edge run` and `sensors ...` as child processes (the CLI exactly as an operator runs it), plus
 * Debian's redis-server. Every start waits for the process's ready line; kill() is SIGKILL, as a
 * crash would be; stop() is SIGTERM and wait.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { buildEntry } from '../../registry/defaults.js'
import { freePort, waitFor } from './ports.js'

const run = promisify(execFile)
const CLI = 'bin/streetsense.js'

export function tempDir(prefix = 'ss-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Runs one `streetsense ...` command to completion; resolves with stdout. */
export async function cli(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], {
    env: { ...process.env, STREETSENSE_LOG_LEVEL: 'warn' },
  })
  return stdout
}

/** Runs any command to completion (20 s at most); its exit code and output, never a throw. */
export async function runCommand(
  cmd: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 20_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

export interface Issued {
  username: string
  password: string
}

/** `streetsense sensors add --json`: registers a sensor and returns its issued credentials. */
export async function addSensor(dataDir: string, id: string, borough: string, kind = 'air'): Promise<Issued> {
  const out = await cli([
    'sensors',
    'add',
    '--data-dir',
    dataDir,
    '--json',
    '--id',
    id,
    '--borough',
    borough,
    '--kind',
    kind,
  ])
  const parsed = JSON.parse(out.trim().split('\n').pop()!) as Issued
  return { username: parsed.username, password: parsed.password }
}

/** `streetsense sensors import --json`: many sensors in one process (one CLI start on a slow machine). */
export async function importSensors(
  dataDir: string,
  ids: string[],
  borough: string,
  kind = 'air',
): Promise<Record<string, Issued>> {
  const file = join(dataDir, `import-${Date.now()}.json`)
  writeFileSync(file, JSON.stringify(ids.map((id) => buildEntry({ id, borough, kind }))))
  const out = await cli(['sensors', 'import', file, '--data-dir', dataDir, '--json'])
  rmSync(file)
  const issued = JSON.parse(out.trim().split('\n').pop()!) as Issued[]
  return Object.fromEntries(issued.map((c) => [c.username, c]))
}

/** `streetsense sensors add-account --json`. */
export async function addAccount(
  dataDir: string,
  username: string,
  role: string,
  boroughs: string[] = [],
): Promise<Issued> {
  const args = ['sensors', 'add-account', '--data-dir', dataDir, '--json', '--username', username, '--role', role]
  if (boroughs.length) args.push('--boroughs', boroughs.join(','))
  const parsed = JSON.parse((await cli(args)).trim().split('\n').pop()!) as Issued
  return { username: parsed.username, password: parsed.password }
}

export interface RunningProcess {
  proc: ChildProcess
  pid: number
  /** stdout + stderr so far (last 200 kB). */
  output(): string
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>
  /** Resident set size in kB, from /proc/<pid>/status. */
  rssKb(): number
}

/** Spawns `streetsense <args>` and waits until a stdout line matches `ready` (a JSON line's event). */
export async function spawnCli(
  args: string[],
  ready: (line: string) => boolean,
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<{ running: RunningProcess; readyLine: string }> {
  const proc = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // SS_TEST_LOG_LEVEL=info (or debug) keeps more of a child's log for a failing test's report.
    env: { ...process.env, STREETSENSE_LOG_LEVEL: process.env.SS_TEST_LOG_LEVEL ?? 'warn', ...env },
  })
  let out = ''
  const append = (c: Buffer) => {
    out = (out + c.toString()).slice(-200_000)
  }
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`streetsense ${args[0]} did not start:\n${out}`)), timeoutMs)
    let seen = ''
    proc.stdout!.on('data', (c: Buffer) => {
      append(c)
      seen += c.toString()
      const line = seen.split('\n').find((l) => ready(l))
      if (line !== undefined) {
        clearTimeout(timer)
        seen = ''
        resolve(line)
      }
    })
    proc.stderr!.on('data', append)
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`streetsense ${args[0]} exited with ${code}:\n${out}`))
    })
  })
  const running: RunningProcess = {
    proc,
    pid: proc.pid!,
    output: () => out,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
      await exited
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
      return exited
    },
    rssKb() {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))
      return m ? Number(m[1]) : 0
    },
  }
  return { running, readyLine }
}

const listening = (l: string) => l.startsWith('{"event":"listening"')

export interface BrokerPorts {
  mqtt: number
  metrics: number
  ws?: number
}

export interface BrokerProcess extends RunningProcess {
  ports: BrokerPorts
  url: string
  healthy(): Promise<boolean>
}

/** `streetsense broker` on free (or given) loopback ports. */
export async function startBroker(dataDir: string, args: string[] = [], port = 0): Promise<BrokerProcess> {
  const { running, readyLine } = await spawnCli(
    ['broker', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port), '--metrics-port', '0', ...args],
    listening,
  )
  const ports = (JSON.parse(readyLine) as { ports: BrokerPorts }).ports
  return {
    ...running,
    ports,
    url: `mqtt://127.0.0.1:${ports.mqtt}`,
    async healthy() {
      try {
        return (await fetch(`http://127.0.0.1:${ports.metrics}/healthz`)).ok
      } catch {
        return false
      }
    },
  }
}

export interface IngestProcess extends RunningProcess {
  /** Device intake. */
  port: number
  url: string
  /** Operator port: /metrics, /healthz, /readyz. */
  opsPort: number
  opsUrl: string
}

export async function startIngest(opts: {
  dataDir: string
  mqttUrl: string
  username: string
  password: string
  influxUrl: string
  instance?: string
  args?: string[]
}): Promise<IngestProcess> {
  const { running, readyLine } = await spawnCli(
    [
      'ingest',
      '--data-dir',
      opts.dataDir,
      '--instance',
      opts.instance ?? 'ingest',
      '--mqtt-url',
      opts.mqttUrl,
      '--mqtt-username',
      opts.username,
      '--http-host',
      '127.0.0.1',
      '--http-port',
      '0',
      '--ops-port',
      '0',
      '--influx-url',
      opts.influxUrl,
      '--mqtt-connections',
      '1',
      ...(opts.args ?? []),
    ],
    listening,
    // The password goes by environment, as an operator would pass a secret.
    { STREETSENSE_MQTT_PASSWORD: opts.password },
  )
  const { port, opsPort } = JSON.parse(readyLine) as { port: number; opsPort: number }
  return { ...running, port, url: `http://127.0.0.1:${port}`, opsPort, opsUrl: `http://127.0.0.1:${opsPort}` }
}

export interface RegisterProcess extends RunningProcess {
  port: number
  url: string
}

/** `streetsense register` (public register, open data API, admin API) on a free loopback port. */
export async function startRegisterProcess(opts: {
  dataDir: string
  influxUrl: string
  args?: string[]
  env?: Record<string, string>
}): Promise<RegisterProcess> {
  const { running, readyLine } = await spawnCli(
    [
      'register',
      '--data-dir',
      opts.dataDir,
      '--http-host',
      '127.0.0.1',
      '--http-port',
      '0',
      '--influx-url',
      opts.influxUrl,
      ...(opts.args ?? []),
    ],
    listening,
    opts.env ?? {},
  )
  const port = (JSON.parse(readyLine) as { port: number }).port
  return { ...running, port, url: `http://127.0.0.1:${port}` }
}

export interface RedisServer {
  port: number
  url: string
  kill(): Promise<void>
  stop(): Promise<void>
}

/** Debian redis-server on a free loopback port, append-only file fsynced on every write. */
export async function startRedis(): Promise<RedisServer> {
  const dir = tempDir('ss-redis-')
  const port = await freePort()
  const proc = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir.dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
    ],
    { stdio: 'ignore' },
  )
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  await waitFor(
    async () => {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'ping'])
      return stdout.trim() === 'PONG'
    },
    15_000,
    'redis-server',
  )
  const end = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
    await exited
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => end('SIGKILL'),
    async stop() {
      await end('SIGTERM')
      dir.remove()
    },
  }
}
