/**
 * A taken port ends `streetsense up` (what `npm start` runs) with exit code 1 and one line that
 * names the option to change, before anything is started; an InfluxDB already on the port is
 * named as such. A bind that fails later (a port taken after the check) is explained the same
 * way, and a service whose HTTP port is taken exits instead of hanging. Real processes, real
 * sockets, real influxd.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startLocalInfluxd } from '../../cli/up/local-influxd.js'
import { explainListenError, platformPorts } from '../../cli/up/ports.js'
import { UpSettingsSchema } from '../../cli/up/up-settings.js'
import { loadSettings } from '../../core/index.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { freePort } from '../helpers/ports.js'
import { tempDir } from '../helpers/processes.js'

const root = join(import.meta.dirname, '../..')
const cleanups: (() => Promise<void> | void)[] = []

afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

/** Something else listening on a loopback port, as another program would. */
async function occupy(): Promise<number> {
  const port = await freePort()
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => sockets.add(socket))
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  )
  return port
}

function run(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const proc: ChildProcess = spawn(process.execPath, ['bin/streetsense.js', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  proc.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString()
  })
  proc.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString()
  })
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, stdout, stderr })))
}

const OPTIONS = [
  'http-port',
  'intake-port',
  'ingest-ops-port',
  'mqtt-port',
  'broker-metrics-port',
  'influx-port',
] as const

async function upWithTaken(option: (typeof OPTIONS)[number], taken: number) {
  const data = tempDir('ss-up-ports-')
  cleanups.push(() => data.remove())
  const args = ['up', '--data-dir', data.dir, '--sensors', '1']
  for (const o of OPTIONS) args.push(`--${o}`, String(o === option ? taken : await freePort()))
  return { ...(await run(args)), dataDir: data.dir }
}

describe('streetsense up with a port already taken', () => {
  for (const option of OPTIONS) {
    it(`exits 1 naming --${option}, in one line, before starting anything`, async () => {
      const taken = await occupy()
      const { code, stderr, stdout, dataDir } = await upWithTaken(option, taken)
      expect(code).toBe(1)
      const lines = stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(new RegExp(`^streetsense up failed: IOT_UP_PORT_IN_USE: port ${taken} .*already in use`))
      expect(lines[0]).toContain(
        `choose another with --${option} (or STREETSENSE_${option.replace(/-/g, '_').toUpperCase()})`,
      )
      expect(stdout).toBe('')
      // Nothing was started: no InfluxDB data, no registry.
      expect(existsSync(join(dataDir, 'influxdb'))).toBe(false)
      expect(existsSync(join(dataDir, 'registry.sqlite'))).toBe(false)
    })
  }

  it('says when the port is held by an InfluxDB, and how to use it instead', async () => {
    const influx: InfluxServer = await startInfluxd()
    cleanups.push(() => influx.stop())
    const { code, stderr } = await upWithTaken('influx-port', influx.port)
    expect(code).toBe(1)
    expect(stderr).toContain(`it is an InfluxDB: use it with --influx-url http://127.0.0.1:${influx.port}`)
  })
})

describe('a port taken after the check', () => {
  it("influxd's bind failure becomes the same one line naming --influx-port", async () => {
    const taken = await occupy()
    const data = tempDir('ss-up-influxd-')
    cleanups.push(() => data.remove())
    const err = await startLocalInfluxd(data.dir, taken).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(err?.message).toMatch(/^influxd exited \(1\): run: .*bind: address already in use \(its log: /)
    expect(err?.message).not.toContain('\n')
    const settings = loadSettings<never>(UpSettingsSchema, { influxPort: taken }, {})
    const explained = explainListenError(err, platformPorts(settings)) as Error
    expect(explained.message).toContain('choose another with --influx-port')
  })

  it('`streetsense ingest` whose HTTP port is taken exits 1 instead of hanging', async () => {
    const taken = await occupy()
    const data = tempDir('ss-ingest-port-')
    cleanups.push(() => data.remove())
    const influx = await startInfluxd()
    cleanups.push(() => influx.stop())
    const args = ['ingest', '--data-dir', data.dir, '--http-host', '127.0.0.1', '--http-port', String(taken)]
    const { code, stderr } = await run([...args, '--influx-url', influx.url, '--mqtt-url', 'mqtt://127.0.0.1:1'])
    expect(code).toBe(1)
    expect(stderr).toMatch(/EADDRINUSE/)
  })
})
