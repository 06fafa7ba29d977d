/**
 * Service logs for a person at a terminal, JSON for everything else: `streetsense broker` run
 * under a real pseudo-terminal (util-linux `script`) prints one human line per log line; the
 * same command with its stdout on a pipe prints pino's JSON. Secrets stay redacted in both.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { humanLine } from '../../core/log-format.js'
import { waitFor } from '../helpers/ports.js'
import { tempDir } from '../helpers/processes.js'

const root = join(import.meta.dirname, '../..')
const data = tempDir('ss-log-format-')
const running: ChildProcess[] = []

afterAll(() => {
  // Each run is its own process group (script and the broker under it).
  for (const p of running) if (p.exitCode === null && p.pid) process.kill(-p.pid, 'SIGKILL')
  data.remove()
})

const BROKER_ARGS = ['bin/streetsense.js', 'broker', '--data-dir', data.dir, '--host', '127.0.0.1', '--port', '0']
const BROKER = [process.execPath, ...BROKER_ARGS, '--metrics-port', '0'].map((a) => `'${a}'`).join(' ')

function run(command: string, args: string[]): () => string {
  const proc = spawn(command, args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STREETSENSE_LOG_LEVEL: 'info', NO_COLOR: '1', STREETSENSE_LOG_FORMAT: '' },
  })
  running.push(proc)
  let out = ''
  proc.stdout!.on('data', (c: Buffer) => {
    out += c.toString()
  })
  return () => out
}

describe('service logs', () => {
  it('are one human line each at a terminal', async () => {
    const output = run('script', ['-qfec', BROKER, '/dev/null'])
    await waitFor(() => /broker listening/.test(output()), 30_000, 'the broker to start')
    const line = output()
      .split(/\r?\n/)
      .find((l) => /broker listening/.test(l))!
    expect(line).toMatch(/^\d\d:\d\d:\d\d INFO {2}broker: broker listening ports=\{"mqtt":\d+,"metrics":\d+\}/)
    expect(output()).not.toMatch(/"level":30/)
  })

  it('are JSON on a pipe', async () => {
    const output = run(process.execPath, [...BROKER_ARGS, '--metrics-port', '0'])
    await waitFor(() => /broker listening/.test(output()), 30_000, 'the broker to start')
    const line = output()
      .split('\n')
      .find((l) => /broker listening/.test(l))!
    expect(JSON.parse(line)).toMatchObject({ level: 30, msg: 'broker listening', stage: 'broker' })
  })

  it('keep what pino redacted redacted, and pass other lines through', () => {
    const json = JSON.stringify({ level: 40, time: 0, stage: 'ingest', msg: 'login', password: '[redacted]', n: 2 })
    expect(humanLine(json)).toMatch(/^\d\d:\d\d:\d\d WARN {2}ingest: login password=\[redacted\] n=2$/)
    expect(humanLine('{"event":"listening","port":8080}')).toBe('{"event":"listening","port":8080}')
  })
})
