/**
 * Starts the real `streetsense broker` as a child process on free ports, with a registry in a
 * temp dir, and hands out credentials. Used by the broker's flow tests.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { buildEntry } from '../../registry/defaults.js'
import { type AccountRole, openRegistry } from '../../registry/registry.js'
import type { RegisterEntry } from '../../schemas/types.gen.js'

export interface BrokerPorts {
  mqtt?: number
  mqtts?: number
  ws?: number
  metrics: number
}

export interface BrokerProcess {
  ports: BrokerPorts
  proc: ChildProcess
  output(): string
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>
}

export function tempDataDir(prefix = 'ss-broker-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export function addSensor(dataDir: string, id: string, borough = 'E09000007', kind = 'air'): string {
  const registry = openRegistry(dataDir)
  try {
    return registry.addSensor(buildEntry({ id, borough, kind }) as unknown as RegisterEntry).password
  } finally {
    registry.close()
  }
}

export function addAccount(dataDir: string, username: string, role: AccountRole, boroughs: string[] = []): string {
  const registry = openRegistry(dataDir)
  try {
    return registry.addAccount({ username, role, boroughs }).password
  } finally {
    registry.close()
  }
}

export function retireSensor(dataDir: string, id: string): void {
  const registry = openRegistry(dataDir)
  try {
    registry.retireSensor(id)
  } finally {
    registry.close()
  }
}

export async function startBrokerProcess(dataDir: string, args: string[] = []): Promise<BrokerProcess> {
  const proc = spawn(
    process.execPath,
    [
      'bin/streetsense.js',
      'broker',
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--metrics-port',
      '0',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STREETSENSE_LOG_LEVEL: 'info' } },
  )
  let out = ''
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const ports = await new Promise<BrokerPorts>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start:\n${out}`)), 30_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n').find((l) => l.startsWith('{"event":"listening"'))
      if (line) {
        clearTimeout(timer)
        resolve((JSON.parse(line) as { ports: BrokerPorts }).ports)
      }
    }
    proc.stdout.on('data', onData)
    proc.stderr.on('data', (c: Buffer) => {
      out += c.toString()
    })
    exited.then((code) => reject(new Error(`broker exited with ${code}:\n${out}`)))
  })
  return {
    ports,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      return exited
    },
  }
}

/** Connects with mqtt.js; resolves on CONNACK 0, rejects with the error (its `code` is the CONNACK code). */
export function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts })
    client.once('connect', () => resolve(client))
    client.once('error', (err) => {
      client.end(true)
      reject(err)
    })
    client.once('close', () => reject(new Error('closed before CONNACK')))
  })
}

/** Resolves when the client's connection closes (for refusals that close the connection). */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve()
    client.once('close', () => resolve())
  })
}

export async function metricValue(metricsPort: number, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `))
  return line ? Number(line.split(' ').pop()) : 0
}

/** SUBSCRIBE and return the SUBACK return codes (mqtt.js treats 0x80 as an error, so read the packet). */
export function subscribeCodes(client: MqttClient, filters: string[], qos: 0 | 1 = 1): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (packet: { cmd: string; granted?: number[] }) => {
      if (packet.cmd !== 'suback') return
      client.off('packetreceive', onPacket as never)
      resolve(packet.granted ?? [])
    }
    client.on('packetreceive', onPacket as never)
    client.subscribe(filters, { qos }, () => {})
  })
}

/** The clients a test file opened, so teardown ends every one of them. */
export function clientTracker(): { open: MqttClient[]; track: <T extends MqttClient>(c: T) => T; endAll(): void } {
  const open: MqttClient[] = []
  return {
    open,
    track(c) {
      open.push(c)
      return c
    },
    endAll() {
      for (const c of open) c.end(true)
    },
  }
}
