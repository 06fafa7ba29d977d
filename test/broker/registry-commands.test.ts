/**
 * The registry's operator accounts and its commands table: issue (audited), relay by the broker
 * (new / known / conflict), sending, expiry, results (only for the sensor's own command, never
 * downgraded), listing with filters, and the migration of registries made before `operator`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StreetsenseError } from '../../core/index.js'
import { buildEntry } from '../../registry/defaults.js'
import type { Account, NewCommand, Registry } from '../../registry/index.js'
import { commandsBorough, deviceCommandOf, issuerMayCommand, newCommandOf } from '../../registry/index.js'
import { openRegistry } from '../../registry/registry.js'
import { validateCommand } from '../../schemas/validate.js'

const CAMDEN = 'E09000007'
const HACKNEY = 'E09000012'

function command(id: string, overrides: Partial<NewCommand> = {}): NewCommand {
  return {
    id,
    sensor: 'cam-1',
    borough: CAMDEN,
    command: 'resend',
    args: { from: 1, to: 5 },
    by: 'camden-ops',
    issuedAt: '2026-12-01T10:00:00.000Z',
    expiresAt: '2026-12-01T11:00:00.000Z',
    ...overrides,
  }
}

describe('registry: operators and commands', () => {
  let dir: string
  let registry: Registry
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ss-commands-'))
    registry = openRegistry(dir)
    registry.importSensors([
      buildEntry({ id: 'cam-1', borough: CAMDEN, kind: 'air' }),
      buildEntry({ id: 'hack-1', borough: HACKNEY, kind: 'air' }),
    ])
  })
  afterEach(() => {
    registry.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('creates borough-scoped operator accounts and refuses one without boroughs', async () => {
    const creds = registry.addAccount({ username: 'camden-ops', role: 'operator', boroughs: [CAMDEN] })
    expect(await registry.verify('camden-ops', creds.password)).toMatchObject({ role: 'operator', boroughs: [CAMDEN] })
    let err: unknown
    try {
      registry.addAccount({ username: 'nowhere-ops', role: 'operator' })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(StreetsenseError)
    expect(err).toMatchObject({ code: 'IOT_REGISTRY_INVALID_ENTRY', field: 'boroughs' })
  })

  it('issues a command queued and audited, and refuses a second one with the same id', () => {
    const record = registry.commands.issue(command('c1'), 'camden-ops')
    expect(record).toMatchObject({ id: 'c1', state: 'queued', by: 'camden-ops', args: { from: 1, to: 5 } })
    expect(record.result).toBeUndefined()
    const [event] = registry.listAudit({ sensor: 'cam-1', limit: 1 })
    expect(event).toMatchObject({ actor: 'camden-ops', action: 'command.issue', sensor: 'cam-1' })
    expect(event?.detail).toBe('resend from=1 to=5 (id c1)')
    expect(() => registry.commands.issue(command('c1'))).toThrow(/already exists/)
  })

  it('refuses to issue a command a device could not run, naming the field', () => {
    const fieldOf = (c: NewCommand) => {
      try {
        registry.commands.issue(c)
      } catch (err) {
        expect(err).toBeInstanceOf(StreetsenseError)
        return [(err as StreetsenseError).code, (err as StreetsenseError).field]
      }
      return 'issued'
    }
    const code = 'IOT_REGISTRY_INVALID_ENTRY'
    expect(fieldOf(command('a', { command: 'set_interval', args: { interval: 0 } }))).toEqual([code, 'args.interval'])
    expect(fieldOf(command('b', { args: { from: 9, to: 2 } }))).toEqual([code, 'args.from'])
    expect(fieldOf(command('c', { args: { from: 1 } }))).toEqual([code, 'args.to'])
    expect(fieldOf(command('d', { command: 'reboot' as never, args: {} }))).toEqual([code, 'command'])
    expect(fieldOf(command('e f'))).toEqual([code, 'id'])
    expect(registry.commands.list()).toEqual([])
  })

  it('says who may command what: operators and admins their boroughs, the ingest its own, nobody else', () => {
    const account = (role: Account['role'], boroughs: string[] = [], disabled = false): Account => ({
      username: 'x',
      role,
      boroughs,
      disabled,
    })
    expect(commandsBorough(account('operator', [CAMDEN]), CAMDEN)).toBe(true)
    expect(commandsBorough(account('operator', [CAMDEN]), HACKNEY)).toBe(false)
    expect(commandsBorough(account('admin'), CAMDEN)).toBe(false) // an unscoped admin commands nothing
    expect(commandsBorough(account('ingest'), HACKNEY)).toBe(true)
    expect(commandsBorough(account('ingest', [CAMDEN]), HACKNEY)).toBe(false)
    expect(commandsBorough(account('reader'), CAMDEN)).toBe(false)
    expect(commandsBorough(account('device'), CAMDEN)).toBe(false)
    expect(issuerMayCommand(account('operator', [CAMDEN]), { borough: CAMDEN })).toBe(true)
    expect(issuerMayCommand(account('operator', [CAMDEN], true), { borough: CAMDEN })).toBe(false)
    expect(issuerMayCommand(account('ingest'), { borough: CAMDEN })).toBe(false)
    expect(issuerMayCommand(undefined, { borough: CAMDEN })).toBe(false)
  })

  it('sends queued commands once, and expires the ones whose time passed', () => {
    registry.commands.issue(command('c1'))
    registry.commands.issue(command('c2', { sensor: 'hack-1', borough: HACKNEY }))
    registry.commands.issue(command('old', { expiresAt: '2026-12-01T10:00:01.000Z' }))
    expect(registry.commands.queued([CAMDEN], 10).map((c) => c.id)).toEqual(['c1', 'old'])
    expect(registry.commands.queued([], 10).map((c) => c.id)).toEqual(['c1', 'c2', 'old'])
    expect(registry.commands.expireQueued('2026-12-01T10:30:00.000Z')).toBe(1)
    expect(registry.commands.get('old')?.state).toBe('expired')
    expect(registry.commands.markSent('c1')).toBe(true)
    expect(registry.commands.markSent('c1')).toBe(false)
    expect(registry.commands.markSent('old')).toBe(false)
    expect(registry.commands.get('c1')).toMatchObject({ state: 'sent', sentAt: expect.any(String) })
    expect(registry.commands.cancel('c1')).toBe(false)
    expect(registry.commands.cancel('c2')).toBe(true)
    expect(registry.commands.get('c2')?.state).toBe('cancelled')
    expect(registry.commands.markSent('c2')).toBe(false)
  })

  it("records a device's result for its own command only, never downgrading a final answer", () => {
    registry.commands.issue(command('c1'))
    const at = (status: 'accepted' | 'done' | 'refused', extra = {}) => ({
      sensor: 'cam-1',
      borough: CAMDEN,
      id: 'c1',
      status,
      time: '2026-12-01T10:00:05.000Z',
      ...extra,
    })
    expect(registry.commands.recordResult('hack-1', at('refused', { reason: 'forged' }))).toBe(false)
    expect(registry.commands.recordResult('cam-1', { ...at('done'), id: 'nope' })).toBe(false)
    expect(registry.commands.recordResult('cam-1', at('accepted'))).toBe(true)
    // the device has it: a command still marked queued counts as sent
    expect(registry.commands.get('c1')).toMatchObject({ state: 'sent', result: { status: 'accepted' } })
    expect(registry.commands.recordResult('cam-1', at('done', { detail: { requeued: 5 } }))).toBe(true)
    expect(registry.commands.recordResult('cam-1', at('accepted'))).toBe(false)
    expect(registry.commands.get('c1')?.result).toEqual({
      status: 'done',
      detail: { requeued: 5 },
      time: '2026-12-01T10:00:05.000Z',
    })
  })

  it('relays: a new MQTT command is recorded and audited twice, a known one once, a reused id is a conflict', () => {
    const wire = validateCommand({ command: 'status', id: 'm1', expires_at: '2026-12-01T11:00:00Z', by: 'mallory' })
    expect(wire.ok).toBe(true)
    if (!wire.ok) return
    const fromMqtt = newCommandOf(wire.value, { sensor: 'cam-1', borough: CAMDEN }, 'camden-ops')
    expect(fromMqtt.by).toBe('camden-ops') // the publisher, not the payload's own `by`
    expect(registry.commands.relay(fromMqtt, 'camden-ops')).toBe('new')
    expect(registry.commands.get('m1')).toMatchObject({ state: 'sent', command: 'status', args: {} })
    expect(registry.listAudit({ sensor: 'cam-1', limit: 2 }).map((e) => e.action)).toEqual([
      'command.publish',
      'command.issue',
    ])
    registry.commands.issue(command('c1'))
    const sameAgain = { ...command('c1'), args: { to: 5, from: 1 }, by: 'ingest' }
    expect(registry.commands.relay(sameAgain, 'ingest')).toBe('known')
    expect(registry.commands.get('c1')?.by).toBe('camden-ops')
    expect(registry.commands.relay({ ...sameAgain, args: { from: 1, to: 999 } }, 'ingest')).toBe('conflict')
    expect(registry.commands.relay({ ...sameAgain, sensor: 'hack-1' }, 'ingest')).toBe('conflict')
  })

  it('gives back the wire form of a recorded command, valid against the schema', () => {
    const record = registry.commands.issue(command('c1', { command: 'set_interval', args: { interval: 120 } }))
    const wire = deviceCommandOf(record)
    expect(wire).toEqual({
      command: 'set_interval',
      interval: 120,
      id: 'c1',
      issued_at: '2026-12-01T10:00:00.000Z',
      expires_at: '2026-12-01T11:00:00.000Z',
      by: 'camden-ops',
    })
    expect(validateCommand(wire).ok).toBe(true)
  })

  it('lists newest first, filtered by sensor, borough and state; prunes old finished commands', () => {
    registry.commands.issue(command('c1'))
    registry.commands.issue(command('c2', { sensor: 'hack-1', borough: HACKNEY }))
    registry.commands.issue(command('c3', { issuedAt: '2026-12-02T10:00:00.000Z' }))
    registry.commands.markSent('c1')
    expect(registry.commands.list().map((c) => c.id)).toEqual(['c3', 'c2', 'c1'])
    expect(registry.commands.list({ sensor: 'cam-1' }).map((c) => c.id)).toEqual(['c3', 'c1'])
    expect(registry.commands.list({ boroughs: [HACKNEY] }).map((c) => c.id)).toEqual(['c2'])
    expect(registry.commands.list({ state: 'sent' }).map((c) => c.id)).toEqual(['c1'])
    expect(registry.commands.list({ limit: 1 }).map((c) => c.id)).toEqual(['c3'])
    // c2 is still queued: the ingest has not sent it yet, so it stays
    expect(registry.commands.prune('2026-12-02T00:00:00.000Z')).toBe(1)
    expect(registry.commands.list().map((c) => c.id)).toEqual(['c3', 'c2'])
  })
})

describe('registry: migration of a registry made before the operator role', () => {
  it('rebuilds the accounts table once, keeping accounts and credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-migrate-'))
    try {
      const first = openRegistry(dir)
      const admin = first.addAccount({ username: 'camden-admin', role: 'admin', boroughs: [CAMDEN] })
      first.close()
      // Put back the CHECK of older registries.
      const db = new Database(join(dir, 'registry.sqlite'))
      db.pragma('foreign_keys = OFF')
      db.exec(`CREATE TABLE accounts_old (username TEXT PRIMARY KEY,
          role TEXT NOT NULL CHECK (role IN ('device','ingest','reader','admin')), sensor TEXT REFERENCES sensors(id),
          boroughs TEXT NOT NULL DEFAULT '[]', disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL);
        INSERT INTO accounts_old SELECT * FROM accounts; DROP TABLE accounts;
        ALTER TABLE accounts_old RENAME TO accounts;`)
      expect(() =>
        db.prepare("INSERT INTO accounts VALUES ('x', 'operator', NULL, '[]', 0, 'now', 'now')").run(),
      ).toThrow(/CHECK/)
      db.close()

      const again = openRegistry(dir)
      expect(await again.verify('camden-admin', admin.password)).toMatchObject({ role: 'admin' })
      again.addAccount({ username: 'camden-ops', role: 'operator', boroughs: [CAMDEN] })
      expect(again.getAccount('camden-ops')?.role).toBe('operator')
      again.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
