/** The `streetsense edge` subcommands as a field engineer runs them (real CLI, child processes). */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadEdgeConfig } from '../../edge/config.js'
import { startPlainAedes } from '../helpers/aedes.js'
import { waitFor } from '../helpers/ports.js'
import { tapReadings } from './helpers/broker-tap.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function cli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, EDGE_TEST_PASSWORD: 'pw-0123456789' }
    execFile(
      process.execPath,
      ['bin/streetsense.js', 'edge', ...args],
      { timeout: 60_000, env },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    )
  })
}

describe('streetsense edge (CLI)', () => {
  it('provision writes a valid config; flash checks its arguments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-cli-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const out = join(dir, 'node.yaml')
    const p = await cli([
      'provision',
      '--sensor',
      'cam-air-5',
      '--password-env',
      'EDGE_TEST_PASSWORD',
      '--broker-url',
      'mqtt://127.0.0.1:1883',
      '--borough',
      'E09000007',
      '--kind',
      'air',
      '--out',
      out,
    ])
    expect(p).toMatchObject({ code: 0, out: expect.stringContaining('wrote') })
    expect(loadEdgeConfig(out).broker.username).toBe('cam-air-5')
    expect(loadEdgeConfig(out).broker.password).toBe('pw-0123456789')
    const bad = await cli(['flash', '--board', 'toaster', '--port', '/dev/null'])
    expect(bad.code).toBe(2)
    expect(bad.out).toMatch(/IOT_EDGE_FLASH: unknown board toaster/)
    const dry = await cli(['flash', '--board', 'uno', '--port', '/dev/null', '--dry-run'])
    expect(dry).toMatchObject({
      code: 0,
      out: expect.stringMatching(/StandardFirmata\.cpp\.hex .*sha256 [0-9a-f]{64}/),
    })
  })

  it('simulate runs a fleet that publishes until stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-cli-sim-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const broker = await startPlainAedes()
    cleanups.push(() => broker.close())
    const tap = tapReadings(broker.broker)
    const child = spawn(
      process.execPath,
      [
        'bin/streetsense.js',
        'edge',
        'simulate',
        '--broker-url',
        broker.url,
        '--count',
        '3',
        '--data-dir',
        dir,
        '--interval',
        '1',
        '--sample-ms',
        '200',
      ],
      { stdio: 'ignore' },
    )
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
    })
    await waitFor(
      () => new Set(tap.readings.map((r) => r.sensor)).size === 3,
      40_000,
      'three simulated nodes publishing',
    )
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
