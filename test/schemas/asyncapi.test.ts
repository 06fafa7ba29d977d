import { join } from 'node:path'
import { fromFile, Parser } from '@asyncapi/parser'
import { describe, expect, it } from 'vitest'
import { buildTopic, DOWN_CHANNELS, parseTopic, UP_CHANNELS } from '../../schemas/topics.js'
import { SCHEMA_IDS } from '../../schemas/validate.js'

describe('schemas/asyncapi.yaml', async () => {
  const parser = new Parser()
  const { document, diagnostics } = await fromFile(
    parser,
    join(import.meta.dirname, '../../schemas/asyncapi.yaml'),
  ).parse()

  it('is a valid AsyncAPI 3 document', () => {
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`)
    expect(errors).toEqual([])
    expect(document?.version()).toBe('3.0.0')
  })

  it('has one channel per channel of the topic grammar, at the grammar address', () => {
    const channels = document!.channels().all()
    expect(channels.map((c) => c.id()).sort()).toEqual([...UP_CHANNELS, ...DOWN_CHANNELS].sort())
    for (const c of channels) {
      const concrete = c.address()!.replace('{borough}', 'E09000007').replace('{sensor}', 'camden-aq-0042')
      expect(concrete).toBe(buildTopic('E09000007', 'camden-aq-0042', c.id() as 'air'))
      expect(parseTopic(concrete)?.channel).toBe(c.id())
    }
  })

  it('gives every message a payload that is one of our versioned schemas', () => {
    const ids = new Set(Object.values(SCHEMA_IDS))
    const messages = document!.components().messages().all()
    expect(messages.length).toBeGreaterThanOrEqual(5)
    for (const m of messages) {
      const id = m.payload()?.id()
      expect(ids.has(id as never), `${m.id()} payload ${id}`).toBe(true)
    }
  })

  it('states QoS 1 for every publish and receive', () => {
    for (const op of document!.operations().all()) {
      expect(op.bindings().get('mqtt')?.value()).toMatchObject({ qos: 1 })
    }
  })
})
