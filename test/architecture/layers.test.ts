/**
 * The layering of docs/architecture.md, held against the imports: a stage imports only stages
 * on a lower floor, and only through their public module (`<stage>/index.ts`).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FLOORS, floorOf, importEdges, publicModule, STAGES, stageOf } from './imports.js'

const ROOT = new URL('../../', import.meta.url).pathname
const edges = importEdges(ROOT).filter((e) => stageOf(e.to) !== stageOf(e.from) && STAGES.includes(stageOf(e.to)))

describe('stages import one way', () => {
  it('reads imports from every stage (the check is not vacuous)', () => {
    expect(edges.length).toBeGreaterThan(50)
    const touched = new Set(edges.flatMap((e) => [stageOf(e.from), stageOf(e.to)]))
    expect(touched).toEqual(new Set(STAGES.filter((s) => s !== 'deploy')))
  })

  it('no stage imports a stage on its own floor or above', () => {
    const upward = edges
      .filter((e) => floorOf(stageOf(e.to)) >= floorOf(stageOf(e.from)))
      .map((e) => `${e.from} -> ${e.to}`)
    expect(upward).toEqual([])
  })

  it('stages import each other only through the public module', () => {
    const deep = edges.filter((e) => e.to !== publicModule(stageOf(e.to))).map((e) => `${e.from} -> ${e.to}`)
    expect(deep).toEqual([])
  })

  it('nothing imports the CLI', () => {
    expect(edges.filter((e) => stageOf(e.to) === 'cli')).toEqual([])
  })

  it.each(['docs/architecture.md', 'CONTRIBUTING.md'])('%s draws the same floors', (file) => {
    const doc = readFileSync(new URL(file, `file://${ROOT}`), 'utf8')
    const drawn = doc.match(/```text floors\n([\s\S]*?)```/)?.[1] ?? ''
    const lines = drawn
      .trim()
      .split('\n')
      .map((l) =>
        l
          .match(/^\s*\d+\s+(.*)$/)?.[1]
          ?.split(/[ ,]+/)
          .filter((s) => /^[a-z]+\/$/.test(s)),
      )
    expect(lines.map((l) => l?.map((s) => s.replace('/', '')))).toEqual([...FLOORS].reverse())
  })
})
