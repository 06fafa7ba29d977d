/**
 * The registry's governance records against a real SQLite file: agreements and DPIA records
 * (checks naming the field, the borough's own sensors only, audit), erasure requests (checked,
 * claimed once, finished with an audit record), the access rule and its cache across two
 * connections, and retention cutoffs.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StreetsenseError } from '../../core/index.js'
import {
  AccessPolicy,
  buildEntry,
  mayReadReadings,
  openRegistry,
  type Registry,
  retentionCutoff,
} from '../../registry/index.js'
import type { RegisterEntry } from '../../schemas/index.js'

const CAMDEN = 'E09000007'
const HACKNEY = 'E09000012'
const ISLINGTON = 'E09000019'
const DAY = 86_400_000
const at = (day: string) => Date.parse(`${day}T12:00:00Z`)

const entry = (id: string, borough: string, sharing: RegisterEntry['sharing']): RegisterEntry =>
  ({ ...buildEntry({ id, borough, kind: 'air' }), sharing }) as RegisterEntry

const agreement = (overrides: Record<string, unknown> = {}) => ({
  reference: 'CAM-DSA-1',
  borough: CAMDEN,
  partners: [HACKNEY],
  purpose: 'Joint air quality action plan for the Euston Road corridor',
  starts: '2026-01-01',
  review: '2026-12-31',
  ...overrides,
})

function failure(fn: () => unknown): { code?: string; field?: string; message?: string } {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(StreetsenseError)
    const e = err as StreetsenseError
    return { code: e.code, field: e.field, message: e.message }
  }
  throw new Error('expected a StreetsenseError')
}

describe('registry governance records', () => {
  let dir: string
  let registry: Registry
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ss-governance-'))
    registry = openRegistry(dir)
    registry.addSensor(entry('cam-open', CAMDEN, 'open'))
    registry.addSensor(entry('cam-shared', CAMDEN, 'shared'))
    registry.addSensor(entry('cam-restricted', CAMDEN, 'restricted'))
    registry.addSensor(entry('hack-1', HACKNEY, 'shared'))
  })
  afterEach(() => {
    registry.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('adds, replaces and lists agreements, audited, with the borough fixed', () => {
    const added = registry.addAgreement(agreement(), 'camden-admin')
    expect(added).toMatchObject({ reference: 'CAM-DSA-1', partners: [HACKNEY], starts: '2026-01-01' })
    expect(added.sensors).toBeUndefined()
    const updated = registry.updateAgreement(agreement({ partners: [HACKNEY, ISLINGTON], ends: '2027-03-31' }))
    expect(updated).toMatchObject({ partners: [HACKNEY, ISLINGTON], ends: '2027-03-31' })
    expect(registry.listAgreements({ borough: CAMDEN }).map((a) => a.reference)).toEqual(['CAM-DSA-1'])
    expect(registry.listAgreements({ borough: HACKNEY })).toEqual([])
    expect(failure(() => registry.updateAgreement(agreement({ borough: ISLINGTON })))).toMatchObject({
      code: 'IOT_REGISTRY_INVALID_RECORD',
      field: 'borough',
    })
    expect(failure(() => registry.addAgreement(agreement()))).toMatchObject({ code: 'IOT_REGISTRY_DUPLICATE' })
    expect(failure(() => registry.updateAgreement(agreement({ reference: 'nope' })))).toMatchObject({
      code: 'IOT_REGISTRY_NOT_FOUND',
    })
    const audit = registry.listAudit({ limit: 5 }).map((e) => `${e.actor} ${e.action}`)
    expect(audit).toEqual(['cli agreement.update', 'camden-admin agreement.add', ...audit.slice(2)])
  })

  it('refuses bad agreement fields, naming each one', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ partners: [] }, 'partners'],
      [{ partners: [CAMDEN] }, 'partners'],
      [{ partners: ['E09000099'] }, 'partners/0'],
      [{ partners: [HACKNEY, HACKNEY] }, 'partners'],
      [{ starts: '2026-02-30' }, 'starts'],
      [{ review: '2025-12-31' }, 'review'],
      [{ ends: '2025-06-01' }, 'ends'],
      [{ purpose: '  ' }, 'purpose'],
      [{ reference: 'has space' }, 'reference'],
      [{ sensors: ['hack-1'] }, 'sensors/0'],
      [{ sensors: ['ghost'] }, 'sensors/0'],
      [{ colour: 'red' }, 'colour'],
    ]
    for (const [overrides, field] of cases) {
      expect({ overrides, ...failure(() => registry.addAgreement(agreement(overrides))) }).toMatchObject({
        code: 'IOT_REGISTRY_INVALID_RECORD',
        field,
      })
    }
  })

  it('keeps DPIA records per sensor or per purpose and finds them by sensor', () => {
    const dpia = {
      reference: 'CAM-DPIA-7',
      borough: CAMDEN,
      title: 'Air quality sensors on lamp columns',
      purpose: 'Measuring air pollution near schools',
      url: 'https://camden.example/dpia/7',
      sensors: ['cam-open', 'cam-shared'],
      approved: '2026-01-10',
      review: '2027-01-10',
    }
    registry.addDpia(dpia)
    expect(registry.listDpias({ sensor: 'cam-shared' }).map((d) => d.reference)).toEqual(['CAM-DPIA-7'])
    expect(registry.listDpias({ sensor: 'cam-restricted' })).toEqual([])
    expect(registry.updateDpia({ ...dpia, review: '2027-06-01' }).review).toBe('2027-06-01')
    expect(failure(() => registry.addDpia({ ...dpia, reference: 'x', url: 'ftp://x' }))).toMatchObject({
      field: 'url',
    })
    expect(failure(() => registry.addDpia({ ...dpia, reference: 'y', sensors: ['hack-1'] }))).toMatchObject({
      field: 'sensors/0',
    })
  })

  it('records an erasure, lets one worker claim it, and audits what it removed', () => {
    const now = Date.now()
    const e = registry.requestErasure({ sensor: 'cam-open', from: now - DAY, reason: 'resident request' }, 'a1')
    expect(e).toMatchObject({ sensor: 'cam-open', borough: CAMDEN, status: 'pending', requested_by: 'a1' })
    expect(Date.parse(e.to)).toBeGreaterThanOrEqual(now)
    expect(registry.claimErasure(e.id, 'ingest-a')?.status).toBe('running')
    expect(registry.claimErasure(e.id, 'ingest-b')).toBeUndefined()
    // The same worker takes it up again after a restart.
    expect(registry.claimErasure(e.id, 'ingest-a')?.claimed_by).toBe('ingest-a')
    const result = { influx_points: 12, spool_points: 1, quarantine_records: 2, archive_rows: 0, archive_files: 0 }
    const done = registry.finishErasure(e.id, { result }, 'ingest-a')
    expect(done).toMatchObject({ status: 'done', result })
    const [event] = registry.listAudit({ sensor: 'cam-open', limit: 1 })
    expect(event).toMatchObject({ actor: 'ingest-a', action: 'data.erase.done' })
    expect(event?.detail).toContain('InfluxDB 12 points')
    expect(failure(() => registry.requestErasure({ sensor: 'cam-open', reason: '' }))).toMatchObject({
      field: 'reason',
    })
    expect(failure(() => registry.requestErasure({ sensor: 'x', reason: 'r' }))).toMatchObject({ field: 'sensor' })
    expect(failure(() => registry.requestErasure({ sensor: 'cam-open', to: now + DAY, reason: 'r' }))).toMatchObject({
      field: 'to',
    })
    expect(
      failure(() => registry.requestErasure({ sensor: 'cam-open', from: now - DAY, to: now - 2 * DAY, reason: 'r' })),
    ).toMatchObject({ field: 'from' })
  })

  it('the access rule: open to all, shared to partners in force, restricted to the borough', () => {
    registry.addAgreement(agreement({ ends: '2026-06-30' }))
    const agreements = registry.listAgreements()
    const reader = (boroughs: string[], role = 'reader') => ({ role, boroughs })
    const may = (id: string, who: ReturnType<typeof reader> | undefined, day = '2026-03-01') =>
      mayReadReadings(registry.getSensor(id)!.entry, who, agreements, at(day))
    expect(may('cam-open', undefined)).toBe(true)
    expect(may('cam-shared', undefined)).toBe(false)
    expect(may('cam-shared', reader([CAMDEN]))).toBe(true)
    expect(may('cam-shared', reader([HACKNEY]))).toBe(true)
    expect(may('cam-shared', reader([ISLINGTON]))).toBe(false)
    expect(may('cam-shared', reader([HACKNEY]), '2025-12-31')).toBe(false) // before it starts
    expect(may('cam-shared', reader([HACKNEY]), '2026-06-30')).toBe(true) // its last day
    expect(may('cam-shared', reader([HACKNEY]), '2026-07-01')).toBe(false) // ended
    expect(may('cam-shared', reader([HACKNEY], 'device'))).toBe(false)
    expect(may('cam-shared', reader([HACKNEY], 'admin'))).toBe(true)
    expect(may('cam-shared', reader([]))).toBe(false)
    expect(may('cam-restricted', reader([HACKNEY]))).toBe(false)
    expect(may('cam-restricted', reader([CAMDEN]))).toBe(true)
    expect(may('hack-1', reader([CAMDEN]))).toBe(false) // agreements go one way
  })

  it('the cached policy sees another connection change sharing and agreements', () => {
    const other = openRegistry(dir)
    try {
      const policy = new AccessPolicy(registry, () => at('2026-03-01'))
      const hackney = { role: 'reader', boroughs: [HACKNEY] }
      expect(policy.mayRead('cam-shared', hackney)).toBe(false)
      other.addAgreement(agreement({ sensors: ['cam-shared'] }))
      expect(policy.mayRead('cam-shared', hackney)).toBe(true)
      other.updateSensor({ ...registry.getSensor('cam-shared')!.entry, sharing: 'restricted' })
      expect(policy.mayRead('cam-shared', hackney)).toBe(false)
      // A change through the policy's own connection counts too.
      registry.updateSensor({ ...registry.getSensor('cam-shared')!.entry, sharing: 'shared' })
      expect(policy.mayRead('cam-shared', hackney)).toBe(true)
      expect(policy.mayRead('ghost', hackney)).toBe(false)
    } finally {
      other.close()
    }
  })

  it('judges an account as it is now, not as it was when its session began', () => {
    registry.addAgreement(agreement({ sensors: ['cam-shared'] }))
    registry.addAccount({ username: 'hackney-reader', role: 'reader', boroughs: [HACKNEY] })
    const policy = new AccessPolicy(registry, () => at('2026-03-01'))
    // What a broker session holds: the account as it signed in.
    const session = registry.getAccount('hackney-reader')!
    expect(policy.mayRead('cam-shared', session)).toBe(true)
    expect([...policy.partnerOf(session)]).toEqual([CAMDEN])
    // Another process (no registry method changes an account's boroughs or disables it yet).
    const raw = new Database(join(dir, 'registry.sqlite'))
    try {
      raw.prepare('UPDATE accounts SET boroughs = ? WHERE username = ?').run(`["${ISLINGTON}"]`, 'hackney-reader')
      expect(policy.mayRead('cam-shared', session)).toBe(false)
      expect([...policy.partnerOf(session)]).toEqual([])
      raw
        .prepare('UPDATE accounts SET boroughs = ?, disabled = 1 WHERE username = ?')
        .run(`["${HACKNEY}"]`, 'hackney-reader')
      expect(policy.mayRead('cam-shared', session)).toBe(false)
      expect(policy.mayRead('cam-open', session)).toBe(true)
    } finally {
      raw.close()
    }
  })
})

describe('retention cutoff', () => {
  const now = Date.parse('2026-03-31T10:00:00Z')
  it('subtracts calendar years and months (clamped), weeks and days', () => {
    const iso = (r: string) => new Date(retentionCutoff(r, now)!).toISOString()
    expect(iso('P5Y')).toBe('2021-03-31T10:00:00.000Z')
    expect(iso('P1M')).toBe('2026-02-28T10:00:00.000Z')
    expect(iso('P13M')).toBe('2025-02-28T10:00:00.000Z')
    expect(iso('P2W')).toBe('2026-03-17T10:00:00.000Z')
    expect(iso('P30D')).toBe('2026-03-01T10:00:00.000Z')
    expect(iso('P1Y1M1D')).toBe('2025-02-27T10:00:00.000Z')
    expect(retentionCutoff('indefinite', now)).toBeUndefined()
    expect(retentionCutoff('P', now)).toBeUndefined()
  })
})
