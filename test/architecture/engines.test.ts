/**
 * `npm ci` on the oldest Node the README promises prints no EBADENGINE warning: every package in
 * the lock file (what `npm ci` installs) supports it. A dependency that drops it fails here, not
 * on a newcomer's machine; pick a version that still supports it (package.json "overrides").
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../..')
const json = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8'))

describe('Node versions', () => {
  it("every locked package supports the oldest Node of package.json's engines", () => {
    const promised = semver.minVersion(json('package.json').engines.node)!.version
    expect(promised).toBe('20.19.0')
    const lock = json('package-lock.json') as { packages: Record<string, { version?: string; engines?: unknown }> }
    const refusing = Object.entries(lock.packages)
      .filter(([path, p]) => {
        const node = (p.engines as { node?: string } | undefined)?.node
        return path !== '' && typeof node === 'string' && !semver.satisfies(promised, node)
      })
      .map(
        ([path, p]) =>
          `${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${(p.engines as { node: string }).node}`,
      )
    expect(refusing).toEqual([])
  })

  it("README promises the Node of package.json's engines", () => {
    const range = json('package.json').engines.node as string
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(`Node ${range.replace('>=', '')}+`)
  })
})
