import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRegistry } from '../../registry/registry.js'
import { validateRegisterEntry } from '../../schemas/validate.js'

const run = promisify(execFile)

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/streetsense.js', 'sensors', ...args], {
      env: { ...process.env, STREETSENSE_DATA_DIR: '' },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('streetsense sensors (real CLI in a child process)', () => {
  let dir: string
  let dd: string[]
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ss-sensors-cli-'))
    dd = ['--data-dir', dir]
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('adds a sensor from --id --borough --kind alone, with a password that verifies', async () => {
    const out = await cli(['add', ...dd, '--id', 'cam-air-1', '--borough', 'E09000007', '--kind', 'air', '--json'])
    expect(out.code).toBe(0)
    const lines = out.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const result = JSON.parse(lines[0]!)
    expect(result.username).toBe('cam-air-1')
    expect(result.password.length).toBeGreaterThanOrEqual(22)
    expect(validateRegisterEntry(result.entry).ok).toBe(true)
    expect(result.entry.operator.name).toBe('Camden Council')
    const registry = openRegistry(dir)
    try {
      expect(await registry.verify('cam-air-1', result.password)).toMatchObject({ role: 'device' })
    } finally {
      registry.close()
    }
  })

  it('names the field and exits 1 on bad input', async () => {
    // independent refusals, run side by side to keep the test short
    const [bad, short, dup, missing] = await Promise.all([
      cli(['add', ...dd, '--id', 'x1', '--borough', 'E09000099', '--kind', 'air']),
      cli(['add', ...dd, '--id', 'x2', '--borough', 'E09000001', '--kind', 'air', '--purpose', 'hm']),
      cli(['add', ...dd, '--id', 'cam-air-1', '--borough', 'E09000007', '--kind', 'air']),
      cli(['show', ...dd, 'nope']),
    ])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('borough')
    expect(short.code).toBe(1)
    expect(short.stderr).toContain('/purpose')
    expect(dup.code).toBe(1)
    expect(dup.stderr).toContain('IOT_REGISTRY_DUPLICATE')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('IOT_REGISTRY_NOT_FOUND')
  })

  it('adds from --file, lists, shows, rotates and retires', async () => {
    const entryFile = join(dir, 'entry.json')
    const list0 = JSON.parse((await cli(['list', ...dd, '--json'])).stdout)
    const entry = { ...list0[0], id: 'hack-traffic-1', borough: 'E09000012', kind: 'traffic', measures: ['car', 'hgv'] }
    writeFileSync(entryFile, JSON.stringify(entry))
    const added = await cli(['add', ...dd, '--file', entryFile, '--json'])
    expect(added.code).toBe(0)
    const first = JSON.parse(added.stdout)
    const list = JSON.parse((await cli(['list', ...dd, '--json', '--borough', 'E09000012'])).stdout)
    expect(list.map((e: { id: string }) => e.id)).toEqual(['hack-traffic-1'])
    const rotated = JSON.parse((await cli(['rotate-credentials', ...dd, 'hack-traffic-1', '--json'])).stdout)
    expect(rotated.password).not.toBe(first.password)
    expect((await cli(['retire', ...dd, 'hack-traffic-1'])).code).toBe(0)
    const shown = JSON.parse((await cli(['show', ...dd, 'hack-traffic-1', '--json'])).stdout)
    expect(shown.entry.status).toBe('retired')
    expect(shown.account.disabled).toBe(true)
    expect(shown.audit.map((a: { action: string }) => a.action)).toEqual([
      'sensor.retire',
      'credentials.rotate',
      'sensor.add',
    ])
  })

  it('exports CSV and imports it back into another register, all or nothing', async () => {
    const csvFile = join(dir, 'export.csv')
    expect((await cli(['export', ...dd, '--format', 'csv', '--output', csvFile])).code).toBe(0)
    const other = mkdtempSync(join(tmpdir(), 'ss-sensors-cli-b-'))
    try {
      const imported = await cli(['import', '--data-dir', other, csvFile, '--json'])
      expect(imported.code).toBe(0)
      expect(JSON.parse(imported.stdout).map((c: { username: string }) => c.username)).toEqual([
        'cam-air-1',
        'hack-traffic-1',
      ])
      const a = JSON.parse((await cli(['export', ...dd])).stdout)
      const b = JSON.parse((await cli(['export', '--data-dir', other])).stdout)
      expect(b).toEqual(a)
      // a JSON array with one bad row imports nothing
      const bad = join(dir, 'bad.json')
      writeFileSync(
        bad,
        JSON.stringify([
          { ...a[0], id: 'new-1' },
          { ...a[0], id: 'new-2', retention: 'forever' },
        ]),
      )
      const refused = await cli(['import', '--data-dir', other, bad])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('/1/retention')
      expect(JSON.parse((await cli(['list', '--data-dir', other, '--json'])).stdout)).toHaveLength(2)
    } finally {
      rmSync(other, { recursive: true, force: true })
    }
    expect(readFileSync(csvFile, 'utf8')).not.toContain('scrypt')
  })

  it('creates service accounts', async () => {
    const out = await cli(['add-account', ...dd, '--username', 'ingest-a', '--role', 'ingest', '--json'])
    expect(out.code).toBe(0)
    const creds = JSON.parse(out.stdout)
    expect(creds).toMatchObject({ username: 'ingest-a', role: 'ingest', boroughs: [] })
    const scoped = await cli([
      'add-account',
      ...dd,
      '--username',
      'cam-admin',
      '--role',
      'admin',
      '--boroughs',
      'E09000007',
    ])
    expect(scoped.code).toBe(0)
    const wrong = await cli(['add-account', ...dd, '--username', 'r1', '--role', 'superuser'])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('role')
    const registry = openRegistry(dir)
    try {
      expect(await registry.verify('ingest-a', creds.password)).toMatchObject({ role: 'ingest' })
      expect(registry.getAccount('cam-admin')).toMatchObject({ role: 'admin', boroughs: ['E09000007'] })
    } finally {
      registry.close()
    }
  })
})
