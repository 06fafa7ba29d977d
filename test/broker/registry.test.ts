import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StreetsenseError } from '../../core/index.js'
import { buildEntry } from '../../registry/defaults.js'
import { openRegistry, type Registry } from '../../registry/registry.js'
import type { RegisterEntry } from '../../schemas/types.gen.js'
import { validateRegisterEntry } from '../../schemas/validate.js'

const entry = (id: string, overrides: Partial<RegisterEntry> = {}): RegisterEntry =>
  ({ ...buildEntry({ id, borough: 'E09000007', kind: 'air' }), ...overrides }) as RegisterEntry

function codeOf(fn: () => unknown): { code?: string; field?: string } {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(StreetsenseError)
    return { code: (err as StreetsenseError).code, field: (err as StreetsenseError).field }
  }
  throw new Error('expected a StreetsenseError')
}

describe('registry', () => {
  let dir: string
  let registry: Registry
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ss-registry-'))
    registry = openRegistry(dir)
  })
  afterEach(() => {
    registry.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('defaults build a valid entry for every borough and kind', () => {
    for (let n = 1; n <= 33; n++) {
      const borough = `E090000${String(n).padStart(2, '0')}`
      for (const kind of ['air', 'traffic']) {
        const result = validateRegisterEntry(buildEntry({ id: `s-${n}-${kind}`, borough, kind }))
        expect(result.ok, `${borough} ${kind}: ${JSON.stringify(!result.ok && result.errors)}`).toBe(true)
      }
    }
  })

  it('adds a sensor, issues a strong password once and verifies it', async () => {
    const creds = registry.addSensor(entry('cam-001'))
    expect(creds.username).toBe('cam-001')
    expect(Buffer.from(creds.password, 'base64url').length * 8).toBeGreaterThanOrEqual(128)
    expect(registry.getSensor('cam-001')?.entry.borough).toBe('E09000007')
    const account = await registry.verify('cam-001', creds.password)
    expect(account).toEqual({ username: 'cam-001', role: 'device', sensor: 'cam-001', boroughs: [], disabled: false })
    // cached path and scrypt path both refuse a wrong password
    expect(await registry.verify('cam-001', `${creds.password}x`)).toBeUndefined()
    expect(await registry.verify('nobody', creds.password)).toBeUndefined()
    expect((await registry.check('nobody', 'x')).ok).toBe(false)
    expect(await registry.check('cam-001', 'wrong')).toMatchObject({ ok: false, reason: 'bad_password' })
  })

  it('never stores the password in clear', async () => {
    const creds = registry.addSensor(entry('cam-002'))
    registry.close()
    const Database = (await import('better-sqlite3')).default
    const db = new Database(join(dir, 'registry.sqlite'), { readonly: true })
    const dump = JSON.stringify(db.prepare('SELECT * FROM credentials').all())
    db.close()
    expect(dump).not.toContain(creds.password)
    expect(dump).toContain('scrypt$')
    registry = openRegistry(dir)
  })

  it('refuses an invalid entry naming the field, and writes nothing', () => {
    const bad = entry('cam-003', { purpose: 'short' })
    expect(codeOf(() => registry.addSensor(bad))).toEqual({ code: 'IOT_REGISTRY_INVALID_ENTRY', field: '/purpose' })
    expect(registry.getSensor('cam-003')).toBeUndefined()
    expect(registry.getAccount('cam-003')).toBeUndefined()
  })

  it('refuses duplicates and unknown ids', () => {
    registry.addSensor(entry('cam-004'))
    expect(codeOf(() => registry.addSensor(entry('cam-004'))).code).toBe('IOT_REGISTRY_DUPLICATE')
    expect(codeOf(() => registry.retireSensor('nope')).code).toBe('IOT_REGISTRY_NOT_FOUND')
    expect(codeOf(() => registry.rotateCredentials('nope')).code).toBe('IOT_REGISTRY_NOT_FOUND')
    expect(codeOf(() => registry.updateSensor(entry('nope'))).code).toBe('IOT_REGISTRY_NOT_FOUND')
  })

  it('retiring disables the device account', async () => {
    const creds = registry.addSensor(entry('cam-005'))
    registry.retireSensor('cam-005', 'alice')
    expect(registry.getSensor('cam-005')?.entry.status).toBe('retired')
    expect(await registry.verify('cam-005', creds.password)).toBeUndefined()
    expect(await registry.check('cam-005', creds.password)).toMatchObject({ ok: false, reason: 'disabled' })
    expect(registry.listAudit({ sensor: 'cam-005' }).map((a) => a.action)).toEqual(['sensor.retire', 'sensor.add'])
    expect(registry.listAudit({ sensor: 'cam-005' })[0]?.actor).toBe('alice')
  })

  it('rotation invalidates the old password', async () => {
    const first = registry.addSensor(entry('cam-006'))
    expect(await registry.verify('cam-006', first.password)).toBeDefined()
    const second = registry.rotateCredentials('cam-006')
    expect(second.password).not.toBe(first.password)
    expect(await registry.verify('cam-006', first.password)).toBeUndefined()
    expect(await registry.verify('cam-006', second.password)).toBeDefined()
  })

  it('updates and filters sensors', () => {
    registry.addSensor(entry('cam-007'))
    registry.addSensor({ ...entry('hack-001'), borough: 'E09000012', kind: 'traffic', measures: ['car'] })
    registry.updateSensor(entry('cam-007', { name: 'Euston Road at Gower Street' }))
    expect(registry.getSensor('cam-007')?.entry.name).toBe('Euston Road at Gower Street')
    expect(registry.listSensors({ borough: 'E09000012' }).map((s) => s.entry.id)).toEqual(['hack-001'])
    expect(registry.listSensors({ kind: 'air' }).map((s) => s.entry.id)).toEqual(['cam-007'])
    expect(registry.listSensors().length).toBe(2)
  })

  it('imports all or nothing', () => {
    const entries = [entry('imp-1'), entry('imp-2'), { ...entry('imp-3'), borough: 'E09999999' }]
    expect(codeOf(() => registry.importSensors(entries))).toEqual({
      code: 'IOT_REGISTRY_INVALID_ENTRY',
      field: '/2/borough',
    })
    expect(registry.listSensors()).toEqual([])
    registry.addSensor(entry('imp-0'))
    expect(codeOf(() => registry.importSensors([entry('imp-1'), entry('imp-0')])).code).toBe('IOT_REGISTRY_DUPLICATE')
    expect(registry.getSensor('imp-1')).toBeUndefined()
    const creds = registry.importSensors([entry('imp-1'), entry('imp-0', { name: 'Updated name' })], 'cli', {
      update: true,
    })
    expect(creds.map((c) => c.username)).toEqual(['imp-1'])
    expect(registry.getSensor('imp-0')?.entry.name).toBe('Updated name')
  })

  it('service accounts: roles, boroughs, validation', async () => {
    const creds = registry.addAccount({ username: 'ingest-1', role: 'ingest' })
    const admin = registry.addAccount({ username: 'camden-admin', role: 'admin', boroughs: ['E09000007'] })
    expect(await registry.verify('ingest-1', creds.password)).toMatchObject({ role: 'ingest', boroughs: [] })
    expect(await registry.verify('camden-admin', admin.password)).toMatchObject({
      role: 'admin',
      boroughs: ['E09000007'],
    })
    expect(codeOf(() => registry.addAccount({ username: 'x', role: 'device' })).field).toBe('role')
    expect(codeOf(() => registry.addAccount({ username: 'a/b', role: 'reader' })).field).toBe('username')
    expect(codeOf(() => registry.addAccount({ username: 'r', role: 'reader', boroughs: ['X'] })).field).toBe('boroughs')
    expect(codeOf(() => registry.addAccount({ username: 'ingest-1', role: 'reader' })).code).toBe(
      'IOT_REGISTRY_DUPLICATE',
    )
  })

  it('two handles on one file see each other (WAL, several processes)', async () => {
    const other = openRegistry(dir)
    try {
      const creds = registry.addSensor(entry('shared-1'))
      expect(other.getSensor('shared-1')).toBeDefined()
      expect(await other.verify('shared-1', creds.password)).toBeDefined()
      other.retireSensor('shared-1')
      expect(await registry.verify('shared-1', creds.password)).toBeUndefined()
    } finally {
      other.close()
    }
  })
})
