/** Starts bench/e2e/load-generator.ts as a child process and steers it step by step. */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

export interface LoadSensor {
  id: string
  borough: string
  password: string
}

export interface LoadStepResult {
  published: Record<string, number>
  acked: Record<string, number>
  firstAt: number
  lastAckAt: number
}

export interface LoadGenerator {
  proc: ChildProcess
  pid: number
  step(rate: number, seconds: number, seqStart: number): Promise<LoadStepResult>
  stop(): Promise<void>
}

export async function startLoadGenerator(url: string, sensors: LoadSensor[]): Promise<LoadGenerator> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/e2e/load-generator.ts', JSON.stringify({ url, sensors })],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const waiting: { resolve(line: string): void; reject(err: Error): void }[] = []
  createInterface({ input: proc.stdout! }).on('line', (line) => waiting.shift()?.resolve(line))
  proc.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`load generator exited with ${code}`))
  })
  const nextLine = (timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('load generator did not answer')), timeoutMs)
      waiting.push({
        resolve(line) {
          clearTimeout(timer)
          resolve(line)
        },
        reject(err) {
          clearTimeout(timer)
          reject(err)
        },
      })
    })
  const ready = JSON.parse(await nextLine(120_000)) as { event: string }
  if (ready.event !== 'listening') throw new Error(`load generator: ${JSON.stringify(ready)}`)
  return {
    proc,
    pid: proc.pid!,
    async step(rate, seconds, seqStart) {
      proc.stdin!.write(`${JSON.stringify({ rate, seconds, seqStart })}\n`)
      // Acks may take long after an overload step: the broker holds publishers back.
      return JSON.parse(await nextLine(seconds * 1000 + 180_000)) as LoadStepResult
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      const exited = new Promise((r) => proc.once('exit', r))
      proc.stdin!.write('end\n')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (proc.exitCode === null) proc.kill('SIGKILL')
    },
  }
}
