/**
 * Starts bench/load/generator.ts as a child process and steers it. The config goes by file (a
 * fleet of 100,000 sensors does not fit on a command line). With `maxFiles` the child runs under
 * `prlimit --nofile` (Node raises its soft limit to the hard one at start), so one process can
 * hold more sockets than the shell's limit.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { GeneratorConfig } from './generator.js'
import type { StepDone } from './schedule.js'

export type LoadStepResult = StepDone

export interface GeneratorStats {
  at: number
  markAt: number
  connected: number
  outstanding: number
  /** Devices whose connection closed since the mark. */
  closed: number
  /** Of those, connected again (a later CONNACK). */
  reconnected: number
  lastReconnectAt: number
  /** Connections lost since the mark (a device may lose more than one). */
  closes: number
}

export interface ConnectSummary {
  connections: number
  connectMs: number
  refusals: number
  timeouts: number
}

export interface LoadGenerator {
  proc: ChildProcess
  pid: number
  connect: ConnectSummary
  step(rate: number, seconds: number, seqStart: number, settleMs?: number): Promise<LoadStepResult>
  stats(): Promise<GeneratorStats>
  mark(): Promise<number>
  /** Ends the running step early. */
  cut(): Promise<void>
  stop(): Promise<void>
}

export interface StartOptions {
  maxFiles?: number
  connectTimeoutMs?: number
}

export async function startLoadGenerator(config: GeneratorConfig, opts: StartOptions = {}): Promise<LoadGenerator> {
  const dir = mkdtempSync(join(tmpdir(), 'ss-load-'))
  const file = join(dir, 'config.json')
  writeFileSync(file, JSON.stringify(config))
  const node = [process.execPath, '--import', 'tsx', 'bench/load/generator.ts', file]
  const [cmd, ...args] = opts.maxFiles ? ['prlimit', `--nofile=${opts.maxFiles}:${opts.maxFiles}`, '--', ...node] : node
  const proc = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const waiting = new Map<number, { resolve(o: Record<string, unknown>): void; reject(e: Error): void }>()
  let ready: ((o: Record<string, unknown>) => void) | undefined
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const o = JSON.parse(line) as Record<string, unknown>
    if (o.event === 'listening') return ready?.(o)
    waiting.get(o.id as number)?.resolve(o)
    waiting.delete(o.id as number)
  })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  void exited.then(() => {
    rmSync(dir, { recursive: true, force: true })
    for (const w of waiting.values()) w.reject(new Error(`load generator exited (${proc.exitCode})`))
  })
  const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('load generator did not connect')),
      opts.connectTimeoutMs ?? 120_000,
    )
    ready = (o) => {
      clearTimeout(timer)
      resolve(o)
    }
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`load generator exited (${proc.exitCode}) while connecting`))
    })
  })
  let nextId = 1
  const ask = <T>(cmdLine: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++
      waiting.set(id, { resolve: (o) => resolve(o as T), reject })
      proc.stdin!.write(`${JSON.stringify({ id, ...cmdLine })}\n`)
    })
  return {
    proc,
    pid: proc.pid!,
    connect: listening as unknown as ConnectSummary,
    step: (rate, seconds, seqStart, settleMs) => ask({ cmd: 'step', rate, seconds, seqStart, settleMs }),
    stats: () => ask({ cmd: 'stats' }),
    mark: async () => (await ask<{ at: number }>({ cmd: 'mark' })).at,
    cut: async () => {
      await ask({ cmd: 'cut' })
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      proc.stdin!.write('end\n')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (proc.exitCode === null) proc.kill('SIGKILL')
    },
  }
}
