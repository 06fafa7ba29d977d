/**
 * Property tests of the topic grammar (schemas/topics.ts): build/parse round-trip, and no string
 * at all parses into a topic other than the one it spells, so no sensor id can be crafted to
 * reach another sensor's topic (the broker ACL compares parsed parts).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildTopic, type Channel, DOWN_CHANNELS, parseTopic, TopicError, UP_CHANNELS } from '../../schemas/topics.js'
import { boroughCode, hostileString, sensorId } from './arbitraries.js'

const channel = fc.constantFrom<Channel>(...UP_CHANNELS, ...DOWN_CHANNELS)

/** Topic-like strings: real levels mixed with hostile ones, joined by '/'. */
const topicLike = fc
  .array(
    fc.oneof(
      fc.constantFrom('streetsense', 'v1', 'E09000007', 'E09000012', 'cam-1', 'cam-2', 'air', 'cmd', '+', '#', ''),
      sensorId,
      hostileString,
    ),
    { minLength: 1, maxLength: 7 },
  )
  .map((levels) => levels.join('/'))

describe('topic grammar properties', () => {
  it('parses every built topic back to its parts', () => {
    fc.assert(
      fc.property(boroughCode, sensorId, channel, (borough, sensor, ch) => {
        const topic = buildTopic(borough, sensor, ch)
        expect(parseTopic(topic)).toEqual({
          borough,
          sensor,
          channel: ch,
          direction: (UP_CHANNELS as readonly string[]).includes(ch) ? 'up' : 'down',
        })
      }),
      { numRuns: 300 },
    )
  })

  it('parses a string only if it is exactly the topic its parts build (one spelling per topic)', () => {
    fc.assert(
      fc.property(fc.oneof(topicLike, hostileString), (s) => {
        const parts = parseTopic(s)
        if (parts) expect(buildTopic(parts.borough, parts.sensor, parts.channel)).toBe(s)
      }),
      { numRuns: 300 },
    )
  })

  it('never builds a topic from a sensor id that would parse as another sensor', () => {
    fc.assert(
      fc.property(boroughCode, fc.oneof(hostileString, sensorId, topicLike), channel, (borough, id, ch) => {
        let topic: string
        try {
          topic = buildTopic(borough, id, ch)
        } catch (err) {
          expect(err).toBeInstanceOf(TopicError)
          return
        }
        expect(parseTopic(topic)).toMatchObject({ borough, sensor: id, channel: ch })
      }),
      { numRuns: 300 },
    )
  })

  it('no wildcard, separator or control character survives in a parsed sensor level', () => {
    fc.assert(
      fc.property(boroughCode, hostileString, channel, (borough, inner, ch) => {
        const parts = parseTopic(`streetsense/v1/${borough}/${inner}/${ch}`)
        if (parts) {
          expect(parts.sensor).toBe(inner)
          expect(parts.sensor).toMatch(/^[A-Za-z0-9._:-]{1,64}$/)
        }
      }),
      { numRuns: 300 },
    )
  })
})
