/**
 * `streetsense <service>` in a child process for the benchmarks, as an operator runs it, with
 * what test/helpers/processes.ts does not offer: Node flags (`--cpu-prof` is refused in
 * NODE_OPTIONS) and a raised open-files limit (`prlimit --nofile`; Node raises its soft limit to
 * the hard one at start). Resolves with the service's ready line ({"event":"listening",...}).
 */
import { type ChildProcess, spawn } from 'node:child_process'

export interface ServiceProcess {
  proc: ChildProcess
  pid: number
  ready: Record<string, unknown>
  /** SIGTERM (a clean stop: profiles are written on exit) and wait; SIGKILL after 20 s. */
  stop(): Promise<void>
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>
}

export interface ServiceOptions {
  env?: Record<string, string>
  nodeArgs?: string[]
  maxFiles?: number
  timeoutMs?: number
}

export async function startService(args: string[], opts: ServiceOptions = {}): Promise<ServiceProcess> {
  const node = [process.execPath, ...(opts.nodeArgs ?? []), 'bin/streetsense.js', ...args]
  const [cmd, ...rest] = opts.maxFiles ? ['prlimit', `--nofile=${opts.maxFiles}:${opts.maxFiles}`, '--', ...node] : node
  const proc = spawn(cmd!, rest, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STREETSENSE_LOG_LEVEL: 'info', ...opts.env },
  })
  let tail = ''
  proc.stderr!.on('data', (c: Buffer) => {
    tail = (tail + c.toString()).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`streetsense ${args[0]} did not start: ${tail}`)),
      opts.timeoutMs ?? 60_000,
    )
    let seen = ''
    proc.stdout!.on('data', (c: Buffer) => {
      seen = (seen + c.toString()).slice(-100_000)
      const line = seen.split('\n').find((l) => l.startsWith('{"event":"listening"'))
      if (line !== undefined && seen.includes(`${line}\n`)) {
        clearTimeout(timer)
        seen = ''
        resolve(JSON.parse(line) as Record<string, unknown>)
      }
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`streetsense ${args[0]} exited with ${proc.exitCode}: ${tail}`))
    })
  })
  const end = async (signal: NodeJS.Signals, graceMs: number) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    proc.kill(signal)
    await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))])
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
    await exited
  }
  return { proc, pid: proc.pid!, ready, stop: () => end('SIGTERM', 20_000), kill: () => end('SIGKILL', 5000) }
}

/**
 * Starts a set of processes with `build`, which registers a stop for each one it started; if a
 * later one fails to start, those already running are stopped (newest first) before the error
 * goes on, so a failed start leaves no process behind.
 */
export async function startAll<T>(build: (started: (() => Promise<unknown>)[]) => Promise<T>): Promise<T> {
  const started: (() => Promise<unknown>)[] = []
  try {
    return await build(started)
  } catch (err) {
    for (const stop of started.reverse()) await stop().catch(() => undefined)
    throw err
  }
}
