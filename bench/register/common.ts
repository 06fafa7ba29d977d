/** What the register benchmarks share: the register in its own process, medians, the load note. */
import { type ChildProcess, fork } from 'node:child_process'
import { loadavg } from 'node:os'

export interface RegisterProcess {
  url: string
  /** Peak RSS and heap (bytes) since the last reset; `reset` starts a new window. */
  memory(reset?: boolean): Promise<{ rss: number; heapUsed: number }>
  rss(): Promise<number>
  stop(): Promise<void>
}

export async function startRegisterProcess(options: Record<string, unknown>): Promise<RegisterProcess> {
  const child: ChildProcess = fork(
    new URL('./register-process.ts', import.meta.url).pathname,
    [JSON.stringify(options)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  )
  const port = await new Promise<number>((resolve, reject) => {
    let seen = ''
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString()
      const m = /"port":(\d+)/.exec(seen)
      if (m) resolve(Number(m[1]))
    })
    child.once('exit', (code) => reject(new Error(`register process exited with ${code}`)))
  })
  const ask = (msg: string) =>
    new Promise<{ rss: number; heapUsed: number }>((resolve) => {
      child.once('message', (m) => resolve((m as { memory: { rss: number; heapUsed: number } }).memory))
      child.send(msg)
    })
  return {
    url: `http://127.0.0.1:${port}`,
    memory: (reset = false) => ask(reset ? 'reset' : 'memory'),
    rss: async () => (await ask('memory')).rss,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    },
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-GB')
export const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0)
export const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')
