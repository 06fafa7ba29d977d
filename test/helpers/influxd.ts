/**
 * Starts a real InfluxDB 1.x (Debian's influxd) on a temporary directory and free loopback
 * ports. Flow tests write and read through it exactly as production does.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { influxdConfig } from '../../cli/up/local-influxd.js'
import { freePort, waitFor } from './ports.js'

export interface InfluxServer {
  url: string
  port: number
  dir: string
  /** Runs InfluxQL and returns the parsed JSON body. */
  query(q: string, db?: string): Promise<InfluxQueryResult>
  /** Rows of the first series of the first statement, as objects. */
  rows(q: string, db?: string): Promise<Record<string, unknown>[]>
  write(db: string, lines: string, precision?: 'ns' | 'ms' | 's'): Promise<void>
  createDatabase(db: string): Promise<void>
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>
  /** Starts again on the same port and data directory. */
  restart(): Promise<void>
  stop(): Promise<void>
}

export interface InfluxQueryResult {
  results: {
    statement_id: number
    error?: string
    series?: { name: string; columns: string[]; values: unknown[][] }[]
  }[]
  error?: string
}

export async function startInfluxd(options: { binary?: string } = {}): Promise<InfluxServer> {
  const dir = mkdtempSync(join(tmpdir(), 'streetsense-influx-'))
  const configPath = join(dir, 'influxdb.conf')
  let port = 0
  let url = ''
  let child: ChildProcess | undefined

  async function start(): Promise<void> {
    const proc = spawn(options.binary ?? 'influxd', ['run', '-config', configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    child = proc
    let stderr = ''
    proc.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000)
    })
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`influxd exited: ${stderr}`)
        return (await fetch(`${url}/ping`)).status === 204
      },
      30_000,
      'influxd to answer /ping',
    ).catch((err: Error) => {
      proc.kill('SIGKILL')
      throw new Error(`${err.message}\n${stderr}`)
    })
  }

  async function exit(signal: NodeJS.Signals): Promise<void> {
    const proc = child
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill(signal)
    })
  }

  async function query(q: string, db?: string): Promise<InfluxQueryResult> {
    const params = new URLSearchParams({ q, epoch: 'ms' })
    if (db) params.set('db', db)
    const res = await fetch(`${url}/query`, { method: 'POST', body: params })
    const body = (await res.json()) as InfluxQueryResult
    if (!res.ok || body.error) throw new Error(`InfluxQL failed (${res.status}): ${body.error ?? ''}`)
    const failed = body.results.find((r) => r.error)
    if (failed) throw new Error(`InfluxQL failed: ${failed.error}`)
    return body
  }

  // A port can still be taken between choosing and binding it; choose again rather than fail.
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    url = `http://127.0.0.1:${port}`
    writeFileSync(configPath, influxdConfig(dir, port, await freePort()))
    try {
      await start()
      break
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err
    }
  }
  return {
    url,
    port,
    dir,
    query,
    async rows(q, db) {
      const body = await query(q, db)
      const series = body.results[0]?.series?.[0]
      if (!series) return []
      return series.values.map((v) => Object.fromEntries(series.columns.map((c, i) => [c, v[i]])))
    },
    async write(db, lines, precision = 'ns') {
      const res = await fetch(`${url}/write?db=${encodeURIComponent(db)}&precision=${precision}`, {
        method: 'POST',
        body: lines,
      })
      if (res.status !== 204) throw new Error(`write failed ${res.status}: ${await res.text()}`)
    },
    async createDatabase(db) {
      await query(`CREATE DATABASE "${db.replace(/"/g, '')}"`)
    },
    kill: () => exit('SIGKILL'),
    async restart() {
      await exit('SIGTERM')
      await start()
    },
    async stop() {
      await exit('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
