/** Runs the edge agent (edge/main.ts, what `streetsense edge run` runs) as a child process, so kill -9 is a real crash. */
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface AgentProcess {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

export function writeConfig(dir: string, config: unknown): string {
  const file = join(dir, 'node.json')
  writeFileSync(file, JSON.stringify(config, null, 2))
  return file
}

export function spawnAgent(configFile: string): AgentProcess {
  let out = ''
  const child = spawn(process.execPath, ['--import', 'tsx', 'edge/main.ts', '--config', configFile], {
    cwd: process.cwd(),
    env: { ...process.env, STREETSENSE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (d) => {
    out += d
  })
  child.stderr!.on('data', (d) => {
    out += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => out, exited }
}

export async function stopAgent(agent: AgentProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) return
  agent.child.kill(signal)
  await agent.exited
}

/** A node config with one simulated air sensor, logging in with issued credentials. */
export function simulatedNodeConfig(o: {
  id: string
  borough: string
  brokerUrl: string
  login: { username: string; password: string }
  dataDir: string
  publishIntervalSeconds: number
  extra?: Record<string, unknown>
}): Record<string, unknown> {
  return {
    sensor: { id: o.id, borough: o.borough, kind: 'air' },
    broker: { url: o.brokerUrl, ...o.login, reconnectMinMs: 200, reconnectMaxMs: 1000 },
    publishIntervalSeconds: o.publishIntervalSeconds,
    statusIntervalSeconds: 1,
    dataDir: o.dataDir,
    sensors: [{ driver: 'simulated', seed: 5, sampleMs: 200 }],
    ...o.extra,
  }
}
