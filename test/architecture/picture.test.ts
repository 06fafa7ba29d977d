/**
 * docs/img/architecture.svg, the picture README and docs/architecture.md show, says what the
 * code does: the same floors as the `text floors` block (which layers.test.ts holds to the
 * imports), and a box for every stage of the flow.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../..')
const read = (file: string) => readFileSync(join(root, file), 'utf8')
const folders = (text: string) => text.split(/\s+/).filter((w) => /^[a-z]+\/$/.test(w))

/** Floor number -> its folders, from lines such as "2  registry/ edge/   the sensor registry ...". */
function floors(lines: string[]): Record<string, string[]> {
  return Object.fromEntries(
    lines.flatMap((l) => {
      const m = /^([0-7]) {2}(.*)$/.exec(l.trim())
      return m ? [[m[1]!, folders(m[2]!.split('(')[0]!).slice(0, 2)]] : []
    }),
  )
}

describe('the architecture picture', () => {
  const svg = read('docs/img/architecture.svg')

  it('has the floors of docs/architecture.md', () => {
    const block = /```text floors\n([\s\S]*?)```/.exec(read('docs/architecture.md'))![1]!
    const fromDocs = floors(block.split('\n'))
    const fromSvg = floors([...svg.matchAll(/<text[^>]*>([0-7] {2}[^<]*)<\/text>/g)].map((m) => m[1]!))
    expect(Object.keys(fromSvg)).toHaveLength(8)
    expect(fromSvg).toEqual(fromDocs)
  })

  it('draws every stage of the flow', () => {
    for (const stage of ['edge/', 'broker/', 'ingest/', 'registry/', 'register/', 'dashboards/', 'InfluxDB']) {
      expect(svg).toMatch(new RegExp(`>${stage.replace('/', '\\/')}[ <(]`))
    }
  })

  it('is shown in README and docs/architecture.md', () => {
    expect(read('README.md')).toContain('](docs/img/architecture.svg)')
    expect(read('docs/architecture.md')).toContain('](img/architecture.svg)')
  })
})
