/**
 * Real edge agents for the fault tests: `streetsense edge run` as a child process, its outbox
 * pre-filled with a backlog of known readings (seq 1..N, as after an outage) so that only that
 * backlog moves, and what its outbox says afterwards. The outbox is the agent's record of what the
 * broker acknowledged: a row is marked sent only on PUBACK.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll } from 'vitest'
import { Outbox } from '../../edge/publish/outbox.js'
import { waitFor } from '../helpers/ports.js'
import { type RunningProcess, spawnCli, tempDir } from '../helpers/processes.js'
import { BOROUGH, type Platform, reading, startPlatform, storedSeqs, type Tally, tally } from './fault-kit.js'

export interface NodeOptions {
  /** QoS 1 messages awaiting PUBACK, readings per batch message. */
  inFlight?: number
  batchSize?: number
  /** Heartbeat period: the ingest sees a missing tail from the heartbeat's last_seq. */
  statusIntervalSeconds?: number
}

/** Writes a node config and a pre-filled outbox of `backlog` readings (seq 1..backlog). */
export function prepareNode(
  dir: string,
  sensor: string,
  password: string,
  url: string,
  backlog: number,
  opts: NodeOptions = {},
): string {
  const dataDir = join(dir, sensor)
  const outbox = new Outbox(dataDir, { maxRows: 100_000, maxAgeHours: 720, retainSentHours: 168, retainSentMB: 64 })
  const drafts = Array.from({ length: backlog }, (_, i) => {
    const { seq: _seq, ...draft } = reading(sensor, i + 1)
    return draft
  })
  outbox.append(drafts)
  outbox.close()
  const config = {
    sensor: { id: sensor, borough: BOROUGH, kind: 'air' },
    broker: { url, username: sensor, password, keepaliveSeconds: 5, reconnectMinMs: 100, reconnectMaxMs: 1000 },
    // no live readings during the test: only the known backlog moves
    publishIntervalSeconds: 86400,
    statusIntervalSeconds: opts.statusIntervalSeconds ?? 86400,
    dataDir,
    outbox: { inFlight: opts.inFlight ?? 4, batchSize: opts.batchSize ?? 2 },
    sensors: [{ driver: 'simulated', sampleMs: 600000 }],
  }
  const file = join(dir, `${sensor}.json`)
  writeFileSync(file, JSON.stringify(config))
  return file
}

export interface OutboxState {
  /** Acknowledged seqs. */
  sent: Set<number>
  pending: number
  total: number
}

/** What the outbox says: sent (acknowledged) and pending seqs. */
export function outboxState(dir: string, sensor: string): OutboxState {
  const db = new Database(join(dir, sensor, 'outbox.sqlite'), { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare<[], { seq: number; state: string }>('SELECT seq, state FROM outbox').all()
    return {
      sent: new Set(rows.filter((r) => r.state === 'sent').map((r) => r.seq)),
      pending: rows.filter((r) => r.state === 'pending').length,
      total: rows.length,
    }
  } finally {
    db.close()
  }
}

export const startAgent = async (configFile: string): Promise<RunningProcess> =>
  (
    await spawnCli(['edge', 'run', '--config', configFile], (l) => l.includes('edge agent started'), {
      STREETSENSE_LOG_LEVEL: 'info',
    })
  ).running

export async function storedCount(p: Platform, sensor: string): Promise<number> {
  return (await storedSeqs(p.influx, sensor)).size
}

/** Waits until every node's outbox has nothing pending (all acknowledged). */
export async function drained(dir: string, sensors: string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(() => sensors.every((s) => outboxState(dir, s).pending === 0), timeoutMs, 'outboxes drained')
}

/** The tally of nodes by their outboxes: every row the broker acknowledged must be in InfluxDB once. */
export async function nodeTally(p: Platform, dir: string, sensors: string[], timeoutMs = 60_000): Promise<Tally> {
  const devices = sensors.map((sensor) => {
    const state = outboxState(dir, sensor)
    return { sensor, sent: state.total, acked: state.sent }
  })
  return tally(p.influx, devices, timeoutMs)
}

/**
 * The loss gap repair exists for: the nodes publish their backlogs while the ingest is stopped, so
 * the broker acknowledges them and queues them for the ingest's persistent session; a kill -9 of
 * the (memory) broker loses that queue; the broker comes back on its port. Returns the agents,
 * still running (they reconnect by themselves); the ingest is left stopped.
 */
export async function loseQueuedBacklogs(p: Platform, dir: string, configs: Record<string, string>) {
  await waitFor(async () => (await fetch(`${p.ingest.opsUrl}/readyz`)).ok, 30_000, 'ingest subscribed')
  await p.ingest.stop() // its session (subscriptions, queue) stays in the broker
  const agents = await Promise.all(Object.values(configs).map(startAgent))
  const sensors = Object.keys(configs)
  await drained(dir, sensors)
  const acknowledged = sensors.reduce((n, s) => n + outboxState(dir, s).sent.size, 0)
  const port = p.broker.ports.mqtt
  await p.broker.kill()
  await p.startBroker([], port)
  return { agents, acknowledged }
}

export interface NodePlatform {
  /** The platform (set once beforeAll has run). */
  p: Platform
  /** Where the nodes' configs and outboxes live. */
  dir: string
  /** Agents started by the tests, killed after them. */
  agents: RunningProcess[]
  /** A node config with a backlog of seq 1..backlog, on the platform's broker unless `url` says. */
  node(sensor: string, backlog: number, opts?: NodeOptions & { url?: string }): string
}

/** A platform for tests with real nodes, started before and closed after the enclosing describe. */
export function nodePlatform(sensors: string[], opts: Parameters<typeof startPlatform>[1]): NodePlatform {
  const work = tempDir('ss-nodes-')
  const np: NodePlatform = {
    p: undefined as unknown as Platform,
    dir: work.dir,
    agents: [],
    node: (sensor, backlog, { url, ...nodeOpts } = {}) =>
      prepareNode(work.dir, sensor, np.p.sensors[sensor]!.password, url ?? np.p.broker.url, backlog, nodeOpts),
  }
  beforeAll(async () => {
    np.p = await startPlatform(sensors, opts)
  }, 240_000)
  afterAll(async () => {
    for (const a of np.agents) await a.kill()
    await np.p?.close()
    work.remove()
  })
  return np
}
