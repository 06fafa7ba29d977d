/**
 * Debian's real Prometheus and Alertmanager on loopback ports, each with a fresh data directory,
 * plus a webhook receiver that records what Alertmanager delivers. Every start waits for the
 * server's /-/ready; stop() kills the process and removes its directory.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { freePort, waitFor } from './ports.js'
import { tempDir } from './processes.js'

export interface Server {
  url: string
  port: number
  output(): string
  stop(): Promise<void>
}

async function startServer(
  binary: string,
  args: (dir: string, port: number) => string[],
  files: Record<string, string>,
): Promise<Server> {
  const dir = tempDir(`ss-${binary}-`)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir.dir, name), text)
  const port = await freePort()
  let out = ''
  const proc: ChildProcess = spawn(binary, args(dir.dir, port), { stdio: ['ignore', 'pipe', 'pipe'] })
  proc.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)))
  proc.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)))
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
    await exited
    dir.remove()
  }
  try {
    await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, 30_000, `${binary} ready`)
  } catch (err) {
    await stop()
    throw new Error(`${(err as Error).message}\n${out}`)
  }
  return { url, port, output: () => out, stop }
}

/** prometheus-alertmanager with this config (HA gossip off: an empty cluster listen address). */
export function startAlertmanager(config: string): Promise<Server> {
  return startServer(
    'prometheus-alertmanager',
    (dir, port) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { 'alertmanager.yml': config },
  )
}

export interface PrometheusServer extends Server {
  /** An instant query; the result vector. */
  query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>
}

export async function startPrometheus(config: string): Promise<PrometheusServer> {
  const server = await startServer(
    'prometheus',
    (dir, port) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { 'prometheus.yml': config },
  )
  return {
    ...server,
    async query(q) {
      const res = await fetch(`${server.url}/api/v1/query?query=${encodeURIComponent(q)}`)
      const body = (await res.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] }
      }
      return body.data.result
    },
  }
}

export interface WebhookAlert {
  status: 'firing' | 'resolved'
  labels: Record<string, string>
  annotations: Record<string, string>
}

export interface Webhook {
  url: string
  /** Every notification body Alertmanager posted, in order. */
  received: { status: string; alerts: WebhookAlert[] }[]
  close(): Promise<void>
}

export async function startWebhook(): Promise<Webhook> {
  const received: Webhook['received'] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      try {
        received.push(JSON.parse(body))
      } catch {
        // not JSON: not from Alertmanager
      }
      res.writeHead(200).end()
    })
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}/alert`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
