/**
 * Delivery guarantee of the edge agent against a real broker (plain Aedes over TCP) with the agent
 * as a real child process: a broker outage, and a kill -9 of the agent mid-publish. Every reading
 * must arrive, in order, with no sequence gaps (duplicates are allowed: the platform dedupes).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { validateReadingMessage } from '../../schemas/validate.js'
import { startPlainAedes, type TestBroker } from '../helpers/aedes.js'
import { waitFor } from '../helpers/ports.js'
import { type AgentProcess, spawnAgent, stopAgent, writeConfig } from './helpers/agent-process.js'
import { firstArrivals, type Tap, tapReadings } from './helpers/broker-tap.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const dump = (agent: AgentProcess) => (err: Error) => {
  throw new Error(`${err.message}\n--- agent output ---\n${agent.output().slice(-3000)}`)
}

function setup(sensorId: string, kind: 'air' | 'traffic') {
  const dir = mkdtempSync(join(tmpdir(), 'edge-delivery-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return (brokerUrl: string) =>
    writeConfig(dir, {
      sensor: { id: sensorId, borough: 'E09000007', kind },
      broker: { url: brokerUrl, reconnectMinMs: 200, reconnectMaxMs: 1000 },
      publishIntervalSeconds: 1,
      statusIntervalSeconds: 2,
      dataDir: join(dir, 'data'),
      outbox: { inFlight: 5, batchSize: 60 },
      sensors: [{ driver: 'simulated', seed: 3, sampleMs: 100 }],
    })
}

function outboxState(configDir: string): { lastSeq: number; pending: number[] } {
  const db = new Database(join(configDir, 'data', 'outbox.sqlite'), { readonly: true })
  try {
    const lastSeq = (db.prepare("SELECT value FROM meta WHERE key = 'last_seq'").get() as { value: number }).value
    const pending = (
      db.prepare("SELECT seq FROM outbox WHERE state = 'pending' ORDER BY seq").all() as { seq: number }[]
    ).map((r) => r.seq)
    return { lastSeq, pending }
  } finally {
    db.close()
  }
}

function expectComplete(tap: Tap, state: { lastSeq: number; pending: number[] }) {
  const arrivals = firstArrivals(tap.seqs())
  // In order: each new reading arrives after every lower one.
  expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b))
  // No gaps: 1..max all arrived, and whatever did not arrive is still pending in the outbox.
  const max = Math.max(...arrivals)
  expect(arrivals).toEqual(Array.from({ length: max }, (_, i) => i + 1))
  const missing = Array.from({ length: state.lastSeq }, (_, i) => i + 1).filter((s) => !arrivals.includes(s))
  expect(missing.every((s) => state.pending.includes(s))).toBe(true)
  // And every message is valid under the shared schema.
  for (const r of tap.readings) expect(validateReadingMessage(r).ok).toBe(true)
}

describe('edge agent delivery', () => {
  it('broker down for a while then up: every reading arrives, in order, backlog batched', async () => {
    let broker: TestBroker = await startPlainAedes()
    const port = broker.port
    cleanups.push(() => broker.close())
    const tap = tapReadings(broker.broker)
    const configFile = setup('cam-air-outage', 'air')(broker.url)
    const dir = join(configFile, '..')
    const agent = spawnAgent(configFile)
    cleanups.push(() => stopAgent(agent, 'SIGKILL'))

    await waitFor(() => tap.maxSeq() >= 2, 40_000, 'first readings').catch(dump(agent))
    await broker.close()
    const seqAtOutage = tap.maxSeq()
    // The agent keeps measuring into its outbox while the broker is away.
    await waitFor(() => outboxState(dir).lastSeq >= seqAtOutage + 4, 30_000, 'readings stored during the outage')
    broker = await startPlainAedes(port)
    tapReadings(broker.broker, tap)
    await waitFor(() => tap.maxSeq() >= seqAtOutage + 6, 40_000, 'backlog replayed')
    await stopAgent(agent)

    expectComplete(tap, outboxState(dir))
    expect(tap.messages.some((m) => m.batch && m.count > 1)).toBe(true)
  })

  it('kill -9 mid-publish and restart: nothing is lost (counted by sequence number)', async () => {
    const broker = await startPlainAedes()
    cleanups.push(() => broker.close())
    const tap = tapReadings(broker.broker)
    const configFile = setup('cam-air-crash', 'air')(broker.url)
    const dir = join(configFile, '..')
    let agent: AgentProcess = spawnAgent(configFile)
    cleanups.push(() => stopAgent(agent, 'SIGKILL'))
    await waitFor(() => tap.maxSeq() >= 3, 40_000, 'first readings').catch(dump(agent))
    await stopAgent(agent, 'SIGKILL')
    const stateAtCrash = outboxState(dir)
    agent = spawnAgent(configFile)
    await waitFor(() => tap.maxSeq() >= stateAtCrash.lastSeq + 3, 40_000, 'readings after restart')
    await stopAgent(agent)
    expectComplete(tap, outboxState(dir))
    // Numbering continued after the crash instead of starting again.
    expect(Math.max(...tap.seqs())).toBeGreaterThan(stateAtCrash.lastSeq)
  })
})
