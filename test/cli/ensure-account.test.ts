import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, expect, it } from 'vitest'
import { openRegistry } from '../../registry/registry.js'

const run = promisify(execFile)
const root = join(import.meta.dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'ss-ensure-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function ensure(password: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['sensors', 'ensure-account', '--data-dir', dir, '--username', 'ingest', '--role', 'ingest']
  try {
    const r = await run(
      process.execPath,
      [join(root, 'bin/streetsense.js'), ...args, '--password-env', 'INGEST_PW', '--json'],
      {
        env: { ...process.env, INGEST_PW: password },
      },
    )
    return { code: 0, ...r }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

it('sensors ensure-account creates the account once and sets the password from the environment', async () => {
  const first = 'a-long-operator-chosen-secret-0001'
  expect(JSON.parse((await ensure(first)).stdout)).toMatchObject({ username: 'ingest', state: 'created' })
  expect(JSON.parse((await ensure(first)).stdout)).toMatchObject({ state: 'exists' })
  const second = 'a-long-operator-chosen-secret-0002'
  await ensure(second)
  const registry = openRegistry(dir)
  try {
    expect(await registry.verify('ingest', first)).toBeUndefined()
    expect(await registry.verify('ingest', second)).toMatchObject({ username: 'ingest', role: 'ingest' })
    expect(registry.listAudit({ limit: 10 }).map((e) => e.action)).toContain('credentials.set')
  } finally {
    registry.close()
  }
  const weak = await ensure('short')
  expect(weak.code).toBe(1)
  expect(weak.stderr).toMatch(/at least 22 characters/)
})
