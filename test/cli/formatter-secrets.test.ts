/**
 * Node configs hold a device password. Wherever a newcomer leaves them (the repository root, as
 * an older README did, or .data/ as it does now), git ignores them and `biome check` (npm test's
 * formatter) skips them instead of printing them in a diff. Real git and biome on a copy of this
 * repository's .gitignore and biome.json.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/processes.js'

const root = join(import.meta.dirname, '../..')
const repo = tempDir('ss-format-secrets-')
const run = promisify(execFile)
const PASSWORD = 'Zq8-not-for-your-eyes-7Lk2'

afterAll(() => repo.remove())

async function biomeCheck(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(join(root, 'node_modules/.bin/biome'), ['check', '.'], { cwd })
    return { code: 0, output: stdout + stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, output: e.stdout + e.stderr }
  }
}

describe('files with a device password', () => {
  it('are ignored by git and never printed by the formatter', async () => {
    await run('git', ['init', '-q'], { cwd: repo.dir })
    for (const f of ['.gitignore', 'biome.json']) copyFileSync(join(root, f), join(repo.dir, f))
    // Written the way `sensors add --json >` and `edge provision` write them: not biome's format.
    const json = JSON.stringify({ id: 'camden-aq-0042', username: 'camden-aq-0042', password: PASSWORD })
    const yaml = `broker:\n  url:   mqtt://127.0.0.1:1883\n  password: ${PASSWORD}\n`
    writeFileSync(join(repo.dir, 'node.json'), json)
    writeFileSync(join(repo.dir, 'node.yaml'), yaml)
    mkdirSync(join(repo.dir, '.data/node'), { recursive: true })
    writeFileSync(join(repo.dir, '.data/node/node.json'), json)
    // A file biome does check, to show the check ran.
    writeFileSync(join(repo.dir, 'shown.json'), '{ "a": 1 }\n')

    const { stdout: status } = await run('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: repo.dir })
    expect(status).not.toMatch(/node\.(json|yaml)/)
    const check = await biomeCheck(repo.dir)
    expect(check.output).toMatch(/Checked [1-9]\d* file/)
    expect(check.output).not.toContain(PASSWORD)
    expect(check.code).toBe(0)
  })
})
