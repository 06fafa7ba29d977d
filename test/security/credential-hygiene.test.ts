/**
 * Issue 14, item 10: credential hygiene, against the real CLI and processes. `--mqtt-password`
 * put the ingest's password on its command line, which any user sees in `ps`; the registry (with
 * password hashes), the spool, the quarantine and the counters were created 0644 in a 0755
 * directory. Now a secret comes from the environment or a file only, and data files are 0600 in a
 * 0700 directory (also tightened when an older version left them open).
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  addSensor,
  type BrokerProcess,
  cli,
  type Issued,
  type RunningProcess,
  spawnCli,
  startBroker,
  startRegisterProcess,
  tempDir,
} from '../helpers/processes.js'

const CAMDEN = 'E09000007'
const mode = (path: string) => statSync(path).mode & 0o777
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
const failing = (args: string[]) =>
  cli(args).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  )

describe('secrets never on a command line; data files private (real CLI and processes)', () => {
  const root = tempDir('ss-hygiene-')
  // A data directory that does not exist yet: the services create it.
  const dataDir = join(root.dir, 'data')
  let influx: InfluxServer
  let broker: BrokerProcess
  let ingestAccount: Issued
  const running: RunningProcess[] = []

  beforeAll(async () => {
    await addSensor(dataDir, 'cam-1', CAMDEN)
    ingestAccount = await addAccount(dataDir, 'ingest', 'ingest')
    influx = await startInfluxd()
    broker = await startBroker(dataDir)
  }, 600_000)

  afterAll(async () => {
    for (const p of running) await p.stop()
    await broker?.stop()
    await influx?.stop()
    root.remove()
  })

  it('has no flag that takes a password or token; says where secrets come from instead', async () => {
    for (const [command, secret] of [
      ['ingest', '--mqtt-password'],
      ['ingest', '--influx-token'],
      ['register', '--influx-token'],
      ['up', '--influx-token'],
    ] as const) {
      const help = await cli([command, '--help'])
      expect(help, `${command} ${secret}`).toContain(`${secret}-file <path>`)
      expect(help).not.toMatch(new RegExp(`${secret} <`))
      expect(help).toMatch(/never given as a flag value/)
    }
    const provision = await cli(['edge', 'provision', '--help'])
    expect(provision).not.toMatch(/--password </)
    expect(provision).toContain('--password-file <file>')
    const refused = await failing(['ingest', '--data-dir', dataDir, '--mqtt-password', 'hunter2-hunter2-hunter2'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/unknown option '--mqtt-password'/)
  })

  it('the ingest reads its MQTT password from a file: it connects, and ps never shows the password', async () => {
    const secretFile = join(root.dir, 'ingest-password')
    writeFileSync(secretFile, `${ingestAccount.password}\n`, { mode: 0o600 })
    const args = ['ingest', '--data-dir', dataDir, '--mqtt-url', broker.url, '--mqtt-username', 'ingest']
    args.push('--mqtt-connections', '1', '--http-host', '127.0.0.1', '--http-port', '0', '--ops-port', '0')
    args.push('--influx-url', influx.url, '--mqtt-password-file', secretFile)
    const { running: ingest, readyLine } = await spawnCli(args, (l) => l.startsWith('{"event":"listening"'))
    running.push(ingest)
    const { opsPort } = JSON.parse(readyLine) as { opsPort: number }
    await waitFor(async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`)).ok, 30_000, 'logged in to the broker')
    expect(cmdline(ingest.pid)).not.toContain(ingestAccount.password)
    expect(cmdline(ingest.pid)).toContain('--mqtt-password-file')
    // The register takes its InfluxDB token the same way (from STREETSENSE_INFLUX_TOKEN_FILE here).
    const tokenFile = join(root.dir, 'influx-token')
    writeFileSync(tokenFile, 'token-that-must-not-show', { mode: 0o600 })
    const register = await startRegisterProcess({
      dataDir,
      influxUrl: influx.url,
      env: { STREETSENSE_INFLUX_TOKEN_FILE: tokenFile },
    })
    running.push(register)
    expect(cmdline(register.pid)).not.toContain('token-that-must-not-show')
    expect((await fetch(`${register.url}/v1/sensors`)).status).toBe(200)
    // A secret file that cannot be read stops the start, naming the setting.
    const missing = await failing(['register', '--data-dir', dataDir, '--influx-token-file', join(root.dir, 'nope')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/--influx-token-file \/ STREETSENSE_INFLUX_TOKEN_FILE: cannot read/)
  })

  it('creates the data directory 0700 and every data file (with its WAL) 0600', async () => {
    await waitFor(() => statSync(join(dataDir, 'ingest-stats.sqlite'), { throwIfNoEntry: false }) !== undefined)
    const files = [
      'registry.sqlite',
      'ingest-spool.sqlite',
      'ingest-quarantine.sqlite',
      'ingest-stats.sqlite',
      'ingest-qc.sqlite',
    ]
    const modes: Record<string, string> = { '.': mode(dataDir).toString(8) }
    for (const f of files) {
      for (const suffix of ['', '-wal', '-shm']) {
        const path = join(dataDir, `${f}${suffix}`)
        if (statSync(path, { throwIfNoEntry: false })) modes[`${f}${suffix}`] = mode(path).toString(8)
      }
    }
    console.log(`data directory modes: ${JSON.stringify(modes)}`)
    expect(modes['.']).toBe('700')
    for (const f of files) expect(modes[f], f).toBe('600')
    for (const [name, m] of Object.entries(modes)) if (name !== '.') expect(m, name).toBe('600')
  })

  it('tightens a data directory and registry an older version left open', async () => {
    const old = join(root.dir, 'old')
    mkdirSync(old, { mode: 0o755 })
    chmodSync(old, 0o755)
    copyFileSync(join(dataDir, 'registry.sqlite'), join(old, 'registry.sqlite'))
    chmodSync(join(old, 'registry.sqlite'), 0o644)
    await cli(['sensors', 'list', '--data-dir', old])
    expect(mode(old).toString(8)).toBe('700')
    expect(mode(join(old, 'registry.sqlite')).toString(8)).toBe('600')
  })
})
