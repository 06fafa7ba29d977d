/** docs/data-quality.md holds the QC flag catalogue exactly as ingest/qc/catalogue.ts defines it. */
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { flagTableMarkdown } from '../../ingest/qc/flag-table.js'

it('docs/data-quality.md holds the generated flag table between its markers', () => {
  const doc = readFileSync(new URL('../../docs/data-quality.md', import.meta.url), 'utf8')
  const start = doc.indexOf('<!-- flag-table:start -->\n')
  const end = doc.indexOf('\n<!-- flag-table:end -->')
  expect(start).toBeGreaterThan(-1)
  expect(doc.slice(start + '<!-- flag-table:start -->\n'.length, end)).toBe(flagTableMarkdown())
})
