import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { CONFIG_DOC, configDocs } from '../../cli/config-docs.js'

it('docs/config.md lists every setting of every service (run npm run docs:config)', () => {
  expect(readFileSync(CONFIG_DOC, 'utf8')).toBe(configDocs())
})
