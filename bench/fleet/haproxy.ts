/**
 * Debian's HAProxy with the repository's configuration (deploy/compose/haproxy.cfg), changed
 * only where a single box needs it: the frontend binds a loopback port instead of :1884, the
 * compose file's two `server broker-x broker-x:1883 check` lines become one line per broker on
 * its loopback port (same options), and `global maxconn` is what one process may hold here.
 * HAProxy needs two descriptors per connection and refuses to start when it cannot raise its
 * limit to that (strict-limits); where the hard limit is lower than the fleet needs, several
 * instances run with the same file and share the port (HAProxy binds with SO_REUSEPORT, the
 * kernel spreads new connections over them). The report says what was changed.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { waitFor } from '../../test/helpers/ports.js'

export const REPO_CONFIG = join(import.meta.dirname, '..', '..', 'deploy', 'compose', 'haproxy.cfg')

export interface HaproxyConfig {
  text: string
  repoMaxconn: number
  maxconn: number
  serverOptions: string
}

export function haproxyConfig(port: number, brokers: number[], maxconn: number): HaproxyConfig {
  const repo = readFileSync(REPO_CONFIG, 'utf8')
  const repoMaxconn = Number(/^\s*maxconn\s+(\d+)/m.exec(repo)?.[1] ?? 0)
  const server = /^(\s*)server\s+\S+\s+\S+(.*)$/m.exec(repo)
  if (!server || !/^\s*bind\s+:1884/m.test(repo))
    throw new Error(`unexpected ${REPO_CONFIG}: no bind :1884 or server line`)
  const [, indent, serverOptions] = server as unknown as [string, string, string]
  const servers = brokers.map((p, i) => `${indent}server broker-${i} 127.0.0.1:${p}${serverOptions}`).join('\n')
  const lines = repo.split('\n')
  const firstServer = lines.findIndex((l) => /^\s*server\s/.test(l))
  const text = [
    ...lines.slice(0, firstServer).map((l) => l.replace(/^(\s*)bind\s+:1884/, `$1bind 127.0.0.1:${port}`)),
    servers,
    ...lines.slice(firstServer).filter((l) => !/^\s*server\s/.test(l)),
  ]
    .join('\n')
    .replace(/^(\s*maxconn\s+)\d+/m, `$1${maxconn}`)
  return { text, repoMaxconn, maxconn, serverOptions: serverOptions.trim() }
}

export interface Haproxy {
  pids: number[]
  port: number
  config: HaproxyConfig
  instances: number
  stop(): Promise<void>
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy()
      resolve(true)
    })
    s.on('error', () => resolve(false))
  })
}

function startInstance(file: string, port: number, first: boolean): Promise<ChildProcess> {
  const proc = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  proc.stderr!.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-4000)
  })
  const up = async () => {
    if (proc.exitCode !== null) throw new Error(`haproxy exited: ${err}`)
    return first ? portOpen(port) : true
  }
  return waitFor(up, 15_000, 'haproxy')
    .then(() => new Promise((r) => setTimeout(r, 300)))
    .then(() => {
      if (proc.exitCode !== null) throw new Error(`haproxy exited: ${err}`)
      return proc
    })
    .catch((e: Error) => {
      proc.kill('SIGKILL')
      throw new Error(`${e.message}\n${err}`)
    })
}

/** Runs `instances` haproxy processes in the foreground (-db) on one configuration file. */
export async function startHaproxy(
  dir: string,
  port: number,
  brokers: number[],
  opts: { instances: number; maxconn: number },
): Promise<Haproxy> {
  const config = haproxyConfig(port, brokers, opts.maxconn)
  const file = join(dir, 'haproxy.cfg')
  writeFileSync(file, config.text)
  const procs: ChildProcess[] = []
  for (let i = 0; i < opts.instances; i++) procs.push(await startInstance(file, port, i === 0))
  return {
    pids: procs.map((p) => p.pid!),
    port,
    config,
    instances: opts.instances,
    async stop() {
      await Promise.all(
        procs.map(async (proc) => {
          const exited = new Promise((r) => proc.once('exit', r))
          if (proc.exitCode === null) proc.kill('SIGTERM')
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
          if (proc.exitCode === null) proc.kill('SIGKILL')
        }),
      )
    },
  }
}
