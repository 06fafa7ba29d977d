/**
 * A fleet of simulated nodes in one process (the demo behind `streetsense up`, load tests): each
 * node is a full edge agent with its own outbox directory and MQTT connection; only the sensor
 * hardware is simulated. Credentials come from a file of `sensors add --json` outputs; without
 * one, nodes connect anonymously (plain test brokers).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { StreetsenseError } from '../core/index.js'
import { BOROUGHS } from '../schemas/index.js'
import { createEdgeAgent, type EdgeAgent } from './agent.js'
import type { ClockStatus } from './aggregate/clock-check.js'
import { parseEdgeConfig } from './config.js'
import { fromSensorsAddJson, type ProvisionInput } from './tools/provision.js'

export interface SimulatedFleetOptions {
  brokerUrl: string
  count: number
  dataDir: string
  logger: Logger
  /** Path of a JSON file: an array of `sensors add --json` outputs (or {sensors:[...]}), or the parsed value. */
  credentials?: string | unknown
  boroughs?: string[]
  publishIntervalSeconds?: number
  statusIntervalSeconds?: number
  sampleMs?: number
  seed?: number
  idPrefix?: string
  /**
   * Clock check of every node. Simulated nodes run on the platform's own machine, so a caller
   * that knows that machine's clock is the reference (as `streetsense up` does) can say so
   * instead of flagging every demo reading `clock_unsynced`.
   */
  clock?: () => Promise<ClockStatus>
}

export interface SimulatedFleet {
  agents: EdgeAgent[]
  sensors: { id: string; borough: string; kind: 'air' | 'traffic' }[]
  stop(): Promise<void>
}

export function readFleetCredentials(source: string | unknown): ProvisionInput[] {
  const value = typeof source === 'string' ? JSON.parse(readFileSync(source, 'utf8')) : source
  const list = Array.isArray(value)
    ? value
    : Array.isArray((value as { sensors?: unknown[] })?.sensors)
      ? (value as { sensors: unknown[] }).sensors
      : undefined
  if (!list)
    throw new StreetsenseError(
      'IOT_EDGE_PROVISION',
      'credentials file must hold an array of `sensors add --json` outputs',
    )
  return list.map(fromSensorsAddJson)
}

export async function startSimulatedFleet(opts: SimulatedFleetOptions): Promise<SimulatedFleet> {
  const creds = opts.credentials !== undefined ? readFleetCredentials(opts.credentials) : []
  const boroughs = opts.boroughs?.length ? opts.boroughs : Object.keys(BOROUGHS)
  const agents: EdgeAgent[] = []
  const sensors: SimulatedFleet['sensors'] = []
  for (let i = 0; i < opts.count; i++) {
    const c = creds[i]
    const kind = (c?.kind as 'air' | 'traffic' | undefined) ?? (i % 2 === 0 ? 'air' : 'traffic')
    const borough = c?.borough ?? boroughs[i % boroughs.length]!
    const id = c?.sensor ?? `${opts.idPrefix ?? 'sim'}-${kind}-${String(i + 1).padStart(3, '0')}`
    const config = parseEdgeConfig({
      sensor: { id, borough, kind },
      broker: {
        url: opts.brokerUrl,
        ...(c?.password ? { username: id, password: c.password } : {}),
        reconnectMinMs: 500,
        reconnectMaxMs: 15000,
      },
      publishIntervalSeconds: opts.publishIntervalSeconds ?? 60,
      statusIntervalSeconds: opts.statusIntervalSeconds ?? 300,
      dataDir: join(opts.dataDir, id),
      sensors: [{ driver: 'simulated', seed: (opts.seed ?? 1) * 1000 + i, sampleMs: opts.sampleMs ?? 1000 }],
    })
    const agent = createEdgeAgent(config, { logger: opts.logger, ...(opts.clock ? { clock: opts.clock } : {}) })
    await agent.start()
    agents.push(agent)
    sensors.push({ id, borough, kind })
  }
  return {
    agents,
    sensors,
    async stop() {
      await Promise.all(agents.map((a) => a.stop()))
    },
  }
}
