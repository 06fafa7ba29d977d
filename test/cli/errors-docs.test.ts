import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERRORS_DOC, errorsDocs } from '../../cli/errors-docs.js'
import { ERROR_CODES } from '../../core/index.js'

const CODE = /\bIOT_[A-Z0-9]+(?:_[A-Z0-9]+)+\b/g
const root = new URL('../../', import.meta.url)

function sourceFiles(dir: URL): URL[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.name === 'node_modules' || d.name === 'vendor') return []
    const url = new URL(d.isDirectory() ? `${d.name}/` : d.name, dir)
    return d.isDirectory() ? sourceFiles(url) : /\.ts$/.test(d.name) ? [url] : []
  })
}

describe('the error registry and its docs', () => {
  it('docs/errors.md lists every code of core/errors.ts (run npm run docs:errors)', () => {
    expect(readFileSync(ERRORS_DOC, 'utf8')).toBe(errorsDocs())
  })

  it('every code named anywhere in docs/ exists in the registry', () => {
    const docs = readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md'))
    const named = docs.flatMap((f) => readFileSync(new URL(`docs/${f}`, root), 'utf8').match(CODE) ?? [])
    expect(named.length).toBeGreaterThan(Object.keys(ERROR_CODES).length)
    expect([...new Set(named)].filter((c) => !(c in ERROR_CODES))).toEqual([])
  })

  it('no source file outside core/errors.ts names a code the registry lacks', () => {
    const stages = ['schemas', 'core', 'registry', 'edge', 'broker', 'ingest', 'register', 'dashboards', 'cli']
    const unknown = stages
      .flatMap((s) => sourceFiles(new URL(`${s}/`, root)))
      .flatMap((url) => (readFileSync(url, 'utf8').match(CODE) ?? []).map((c) => `${url.pathname}: ${c}`))
      .filter((hit) => !(hit.split(': ')[1]! in ERROR_CODES))
    expect(unknown).toEqual([])
  })
})
