/**
 * Issue 14, item 12: the supply chain. `npm audit` cannot reach its endpoint here, so the
 * dependency tree's shape is held by this test instead, read from package-lock.json (what `npm ci`
 * installs) and from node_modules: what a production install (`--omit=dev`) contains, which of it
 * runs install scripts, and how many copies of serialport there are. docs/security.md has the
 * dated review behind each expectation.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../..')
const run = promisify(execFile)

interface LockEntry {
  version?: string
  dev?: boolean
  hasInstallScript?: boolean
}
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
  overrides: Record<string, unknown>
}
/** Installed path -> entry, for what a production install gets. */
const production = Object.entries(lock.packages).filter(([path, e]) => path !== '' && !e.dev)
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)

describe('the dependency tree (package-lock.json)', () => {
  it('installs serialport twice, not four times: 13 for the platform, 9 only inside avrgirl-arduino', () => {
    const copies = production
      .filter(([path]) => nameOf(path) === 'serialport')
      .map(([path, e]) => `${path}@${e.version}`)
    expect(copies.sort()).toEqual([
      'node_modules/avrgirl-arduino/node_modules/serialport@9.2.8',
      'node_modules/serialport@13.0.0',
    ])
    expect(production.some(([path, e]) => nameOf(path) === '@serialport/bindings' && e.version?.startsWith('8.'))).toBe(
      false,
    )
    // johnny-five and firmata get the platform's serialport (they are given a Firmata IO, never open a port).
    expect(pkg.overrides['johnny-five']).toEqual({ serialport: '$serialport' })
    expect(pkg.overrides.firmata).toEqual({ serialport: '$serialport' })
  })

  it('runs install scripts in production for the three native modules only', () => {
    const scripted = production.filter(([, e]) => e.hasInstallScript).map(([path, e]) => `${nameOf(path)}@${e.version}`)
    expect(scripted.sort()).toEqual([
      '@serialport/bindings-cpp@13.0.0',
      '@serialport/bindings@9.2.8',
      'better-sqlite3@12.11.1',
    ])
  })

  it('keeps build tools out of production: tsx and esbuild are dev dependencies', () => {
    expect(pkg.dependencies.tsx).toBeUndefined()
    expect(pkg.devDependencies.tsx).toBeDefined()
    for (const name of ['tsx', 'esbuild', 'typescript', 'vitest']) {
      expect(
        production.some(([path]) => nameOf(path) === name),
        name,
      ).toBe(false)
    }
    expect(pkg.dependencies['better-sqlite3']).toMatch(/^\^12\./)
  })

  it('pins browser-serialport to the registry release, so an install needs no git fetch', () => {
    expect(pkg.overrides['browser-serialport']).toBe('2.1.0')
    const entry = lock.packages['node_modules/browser-serialport'] as LockEntry & {
      integrity?: string
      resolved?: string
    }
    expect(entry).toMatchObject({ version: '2.1.0', integrity: expect.stringMatching(/^sha512-/) })
    // avrgirl-arduino asks for a git URL; no installed package comes from anywhere but the registry.
    for (const [path, e] of Object.entries(lock.packages) as [string, { resolved?: string }][]) {
      if (e.resolved) expect(e.resolved, path).toMatch(/^https:\/\/registry\.npmjs\.org\//)
    }
  })

  it('the installed tree agrees with the lock file, and the CLI runs from the checkout', async () => {
    const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', 'serialport', '--json'], { cwd: root })
    const serialports = new Set<string>()
    const walk = (deps: Record<string, { version: string; dependencies?: Record<string, unknown> }> = {}) => {
      for (const [name, d] of Object.entries(deps)) {
        if (name === 'serialport') serialports.add(d.version)
        walk(d.dependencies as never)
      }
    }
    walk((JSON.parse(stdout) as { dependencies?: never }).dependencies)
    expect([...serialports].sort()).toEqual(['13.0.0', '9.2.8'])
    const { stdout: version } = await run(process.execPath, ['bin/streetsense.js', '--version'], { cwd: root })
    expect(version.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version)
  })
})
