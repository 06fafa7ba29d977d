import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = join(import.meta.dirname, '../..')
const examples = join(root, 'schemas/examples')

async function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [join(root, 'bin/streetsense.js'), ...args], { cwd: root })
    return { code: 0, stdout }
  } catch (err) {
    const e = err as { code: number; stdout: string }
    return { code: e.code, stdout: e.stdout }
  }
}

describe('streetsense validate', () => {
  it('exits 0 when every file is valid', async () => {
    const { code, stdout } = await cli(
      'validate',
      join(examples, 'valid/reading-air.json'),
      join(examples, 'valid/register-entry-air.json'),
    )
    expect(code).toBe(0)
    expect(stdout).toContain('(reading)')
    expect(stdout).toContain('(registerEntry)')
    expect(stdout).toMatch(/2 valid, 0 invalid/)
  })

  it('exits 1 and prints each error with its JSON path', async () => {
    const { code, stdout } = await cli('validate', join(examples, 'invalid/negative-pm__values.pm2_5__minimum.json'))
    expect(code).toBe(1)
    expect(stdout).toMatch(/INVALID .*negative-pm/)
    expect(stdout).toContain('/values/pm2_5: must be >= 0')
  })

  it('reports unreadable JSON and honours --type and --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-validate-'))
    writeFileSync(join(dir, 'broken.json'), '{"sensor": ')
    const broken = await cli('validate', '--json', join(dir, 'broken.json'))
    expect(broken.code).toBe(1)
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false })
    const forced = await cli('validate', '--type', 'status', join(examples, 'valid/reading-air.json'))
    expect(forced.code).toBe(1)
    const unknown = await cli('validate', '--type', 'nonsense', join(examples, 'valid/reading-air.json'))
    expect(unknown.code).toBe(2)
  })
})
