/** A socat pty pair with stable link names: one end for the emulated sensor, one for the agent. */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { SerialPort } from 'serialport'
import { waitFor } from '../../helpers/ports.js'

export interface PtyPair {
  sensorPath: string
  agentPath: string
  /** Kills socat: both ends see the line drop (an unplugged sensor). */
  kill(): Promise<void>
}

export async function startPtyPair(dir: string, name = 'tty'): Promise<PtyPair> {
  const sensorPath = join(dir, `${name}-sensor`)
  const agentPath = join(dir, `${name}-agent`)
  const child: ChildProcess = spawn(
    'socat',
    [`pty,raw,echo=0,link=${sensorPath}`, `pty,raw,echo=0,link=${agentPath}`],
    { stdio: 'ignore' },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await waitFor(() => existsSync(sensorPath) && existsSync(agentPath), 10_000, 'socat ptys')
  return {
    sensorPath,
    agentPath,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
      await waitFor(() => !existsSync(sensorPath), 5000, 'socat links removed').catch(() => undefined)
    },
  }
}

/** The sensor's side of the line: records what the agent sends, writes what the sensor would. */
export async function openSensorEnd(
  path: string,
): Promise<{ port: SerialPort; received: () => Buffer; write(b: Buffer): Promise<void>; close(): Promise<void> }> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false })
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())))
  const chunks: Buffer[] = []
  port.on('data', (d: Buffer) => chunks.push(d))
  port.on('error', () => undefined)
  return {
    port,
    received: () => Buffer.concat(chunks),
    write: (b) => new Promise<void>((resolve) => port.write(b, () => port.drain(() => resolve()))),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  }
}
