/**
 * The registry's fleet records and the rollout rules: hash cohorts (stable per rollout, unrelated
 * between rollouts, monotonic as stages grow), stage parsing and reach, the halt rule at its
 * edges, releases (published once, audited), rollouts (devices in hash order, targeting issues
 * the update command in the same transaction, final states never change, two instances cannot
 * advance a stage twice) and the device state the ingest keeps (fields kept when absent).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildEntry } from '../../registry/defaults.js'
import {
  bucketOf,
  cohortOrder,
  countDevices,
  DEFAULT_HALT,
  haltReason,
  type NewRelease,
  parseStages,
  type Registry,
  stageReach,
} from '../../registry/index.js'
import { openRegistry } from '../../registry/registry.js'

const CAMDEN = 'E09000007'
const HACKNEY = 'E09000012'
const ids = (n: number, prefix = 'cam') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

describe('rollout rules', () => {
  it('orders devices by a hash of rollout and sensor: stable, and different for another rollout', () => {
    const devices = ids(50).map((sensor) => ({ sensor }))
    const a = cohortOrder('rollout-a', devices).map((d) => d.sensor)
    expect(cohortOrder('rollout-a', [...devices].reverse()).map((d) => d.sensor)).toEqual(a)
    expect(cohortOrder('rollout-b', devices).map((d) => d.sensor)).not.toEqual(a)
    const b = bucketOf('rollout-a', 'cam-1')
    expect(b).toBeGreaterThanOrEqual(0)
    expect(b).toBeLessThan(1)
    // Buckets spread over [0, 1): with 2,000 devices every tenth holds some.
    const deciles = new Set(ids(2000).map((s) => Math.floor(bucketOf('r', s) * 10)))
    expect(deciles.size).toBe(10)
  })

  it('parses stages and says how far each reaches, cumulatively and never past the fleet', () => {
    const stages = parseStages('canary:1,5%,25%,100%', ['canary'])
    expect(stages).toEqual([
      { name: 'canary', count: 1, pause: true },
      { name: '5%', percent: 5 },
      { name: '25%', percent: 25 },
      { name: '100%', percent: 100 },
    ])
    expect(stages.map((_, i) => stageReach(stages, i, 200))).toEqual([1, 10, 50, 200])
    // A canary bigger than 5 % of a small fleet: the 5 % stage adds nobody, later ones do.
    expect(stages.map((_, i) => stageReach(stages, i, 8))).toEqual([1, 1, 2, 8])
    expect(stageReach(parseStages('pilot:50'), 0, 8)).toBe(8)
    expect(() => parseStages('canary:0')).toThrow(/count must be a whole number >= 1/)
    expect(() => parseStages('150%')).toThrow(/at most 100/)
    expect(() => parseStages('a:1,a:2')).toThrow(/used twice/)
    expect(() => parseStages('5%', ['canary'])).toThrow(/no such stage/)
    expect(() => parseStages('')).toThrow(/1 to 10 stages/)
  })

  it('halts at 3 failures, or above 5 % once 20 devices tried; skipped devices do not count', () => {
    const states = (failed: number, healthy: number, extra: Record<string, number> = {}) =>
      countDevices([
        ...Array(failed).fill({ state: 'failed' }),
        ...Array(healthy).fill({ state: 'healthy' }),
        ...Object.entries(extra).flatMap(([state, n]) => Array(n).fill({ state })),
      ])
    expect(haltReason(states(2, 0), DEFAULT_HALT)).toBeUndefined()
    expect(haltReason(states(2, 0, { rolled_back: 1 }), DEFAULT_HALT)).toMatch(/^3 of 3 devices failed/)
    // Below 3 failures the rate decides, once 20 devices tried: 2 of 20 (10 %) halts, 2 of 19 and 2 of 40 (5 %) do not.
    expect(haltReason(states(2, 18), DEFAULT_HALT)).toMatch(/more than 5 % of at least 20/)
    expect(haltReason(states(2, 17), DEFAULT_HALT)).toBeUndefined()
    expect(haltReason(states(2, 38), DEFAULT_HALT)).toBeUndefined()
    expect(haltReason(states(2, 0, { skipped: 30, waiting: 100 }), DEFAULT_HALT)).toBeUndefined()
    expect(states(1, 1, { waiting: 3, skipped: 2, pending: 1 })).toMatchObject({ total: 8, targeted: 3 })
  })
})

describe('registry: releases, rollouts, device state', () => {
  let dir: string
  let registry: Registry
  const release: NewRelease = {
    id: 'agent-1.4.0',
    kind: 'agent',
    version: '1.4.0',
    file: 'agent-1.4.0.tar.gz',
    length: 1234,
    sha256: 'a'.repeat(64),
    expires: '2099-01-01T00:00:00.000Z',
    manifest: '{"_type":"streetsense-release"}\n',
    signature: `${'A'.repeat(86)}==`,
  }
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ss-fleet-'))
    registry = openRegistry(dir)
    registry.importSensors([
      ...ids(6).map((id) => buildEntry({ id, borough: CAMDEN, kind: 'air' })),
      buildEntry({ id: 'hack-0', borough: HACKNEY, kind: 'air' }),
    ])
    registry.addAccount({ username: 'camden-ops', role: 'operator', boroughs: [CAMDEN] })
  })
  afterEach(() => {
    registry.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const newRollout = (id = 'r1') =>
    registry.fleet.createRollout({
      id,
      release: release.id,
      target: { boroughs: [CAMDEN] },
      stages: parseStages('canary:1,50%,100%'),
      soakSeconds: 0,
      deviceTimeoutSeconds: 600,
      halt: DEFAULT_HALT,
      devices: ids(6).map((sensor) => ({ sensor, borough: CAMDEN })),
      createdBy: 'camden-ops',
    })

  it('publishes a release once, audited', () => {
    expect(registry.fleet.publishRelease(release, 'release-manager')).toMatchObject({
      id: 'agent-1.4.0',
      publishedBy: 'release-manager',
    })
    expect(() => registry.fleet.publishRelease(release, 'x')).toThrow(/already published/)
    expect(registry.listAudit({ limit: 1 })[0]).toMatchObject({ actor: 'release-manager', action: 'release.publish' })
  })

  it('records a rollout with its devices in hash order, all waiting, audited', () => {
    registry.fleet.publishRelease(release, 'rm')
    const r = newRollout()
    expect(r).toMatchObject({ state: 'running', stage: 0, boroughs: [CAMDEN], createdBy: 'camden-ops' })
    const devices = registry.fleet.rolloutDevices('r1')
    expect(devices.map((d) => d.sensor)).toEqual(
      cohortOrder(
        'r1',
        ids(6).map((sensor) => ({ sensor })),
      ).map((d) => d.sensor),
    )
    expect(devices.map((d) => d.rank)).toEqual([0, 1, 2, 3, 4, 5])
    expect(new Set(devices.map((d) => d.state))).toEqual(new Set(['waiting']))
    expect(registry.listAudit({ limit: 1 })[0]).toMatchObject({ action: 'rollout.create', actor: 'camden-ops' })
    expect(registry.fleet.listRollouts({ boroughs: [HACKNEY] })).toEqual([])
    expect(registry.fleet.listRollouts({ boroughs: [CAMDEN] }).map((x) => x.id)).toEqual(['r1'])
  })

  it('targets a device and issues its command in one step; final states stay final', () => {
    registry.fleet.publishRelease(release, 'rm')
    newRollout()
    const first = registry.fleet.rolloutDevices('r1')[0]!
    const command = {
      id: 'cmd-1',
      sensor: first.sensor,
      borough: CAMDEN,
      command: 'status' as const,
      args: {},
      by: 'camden-ops',
      issuedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    }
    const t = { stage: 0, deadline: command.expiresAt, command }
    expect(registry.fleet.targetDevice('r1', first.sensor, t)).toBe(true)
    expect(registry.fleet.targetDevice('r1', first.sensor, { ...t, command: { ...command, id: 'cmd-2' } })).toBe(false)
    expect(registry.commands.get('cmd-1')).toMatchObject({ state: 'queued', sensor: first.sensor })
    expect(registry.commands.get('cmd-2')).toBeUndefined()
    expect(registry.fleet.updateDevice('r1', first.sensor, 'downloading')).toBe(true)
    expect(registry.fleet.updateDevice('r1', first.sensor, 'rolled_back', 'health check failed')).toBe(true)
    expect(registry.fleet.updateDevice('r1', first.sensor, 'healthy')).toBe(false)
    expect(registry.fleet.rolloutDevices('r1')[0]).toMatchObject({
      state: 'rolled_back',
      error: 'health check failed',
      command: 'cmd-1',
    })
    // A waiting device is not moved by a result.
    expect(registry.fleet.updateDevice('r1', registry.fleet.rolloutDevices('r1')[1]!.sensor, 'healthy')).toBe(false)
    expect(registry.fleet.counts('r1')).toMatchObject({ total: 6, targeted: 1, rolled_back: 1, waiting: 5 })
  })

  it('advances a stage once, and moves state only from the allowed ones', () => {
    registry.fleet.publishRelease(release, 'rm')
    newRollout()
    expect(registry.fleet.advanceStage('r1', 0, 'ingest')).toBe(true)
    expect(registry.fleet.advanceStage('r1', 0, 'ingest')).toBe(false)
    expect(registry.fleet.getRollout('r1')!.stage).toBe(1)
    expect(registry.fleet.setRolloutState('r1', ['running'], 'halted', 'ingest', '3 of 4 failed')).toBe(true)
    expect(registry.fleet.setRolloutState('r1', ['running'], 'paused', 'camden-ops')).toBe(false)
    expect(registry.fleet.advanceStage('r1', 1, 'ingest')).toBe(false)
    expect(registry.fleet.getRollout('r1')).toMatchObject({ state: 'halted', reason: '3 of 4 failed' })
    expect(registry.listAudit({ limit: 1 })[0]).toMatchObject({ action: 'rollout.halt', actor: 'ingest' })
  })

  it('keeps what devices said of themselves, field by field', () => {
    registry.fleet.observeDevices([{ sensor: 'cam-0', borough: CAMDEN, intervalSeconds: 60 }])
    registry.fleet.observeDevices([
      {
        sensor: 'cam-0',
        borough: CAMDEN,
        agentVersion: '1.3.2',
        update: { state: 'rolled_back', version: '1.4.0', reason: 'health', time: '2026-01-01T00:00:00.000Z' },
        heartbeatAt: '2026-01-01T00:00:01.000Z',
      },
    ])
    registry.fleet.observeDevices([{ sensor: 'cam-0', borough: CAMDEN, intervalSeconds: 120 }])
    expect(registry.fleet.deviceStates({ sensors: ['cam-0'] })).toEqual([
      expect.objectContaining({
        intervalSeconds: 120,
        agentVersion: '1.3.2',
        update: { state: 'rolled_back', version: '1.4.0', reason: 'health', time: '2026-01-01T00:00:00.000Z' },
        heartbeatAt: '2026-01-01T00:00:01.000Z',
      }),
    ])
    expect(registry.fleet.deviceStates({ boroughs: [HACKNEY] })).toEqual([])
  })
})
