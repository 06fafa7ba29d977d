import { describe, expect, it } from 'vitest'
import { BOROUGHS } from '../../schemas/boroughs.js'
import { buildTopic, deviceDownlinkFilter, parseTopic, readingFilters, TopicError } from '../../schemas/topics.js'

describe('topic grammar', () => {
  it('builds and parses every channel round trip', () => {
    for (const channel of ['air', 'traffic', 'status', 'cmd', 'errors'] as const) {
      const topic = buildTopic('E09000007', 'camden-aq-0042', channel)
      expect(topic).toBe(`streetsense/v1/E09000007/camden-aq-0042/${channel}`)
      expect(parseTopic(topic)).toEqual({
        borough: 'E09000007',
        sensor: 'camden-aq-0042',
        channel,
        direction: channel === 'cmd' || channel === 'errors' ? 'down' : 'up',
      })
    }
  })

  it('knows all 33 London codes', () => {
    expect(Object.keys(BOROUGHS)).toHaveLength(33)
    expect(() => buildTopic('E09000033', 'x', 'air')).not.toThrow()
    expect(() => buildTopic('E09000034', 'x', 'air')).toThrow(TopicError)
  })

  it.each(['a/b', 'a+b', 'a#', 'a b', 'a,b', 'a=b', '', 'x'.repeat(65), 'é'])('refuses sensor id %j', (id) => {
    expect(() => buildTopic('E09000001', id, 'air')).toThrow(/sensor id/)
  })

  it.each([
    'streetsense/v1/E09000007/s1',
    'streetsense/v1/E09000007/s1/air/extra',
    'streetsense/v2/E09000007/s1/air',
    'other/v1/E09000007/s1/air',
    'streetsense/v1/E09000099/s1/air',
    'streetsense/v1/E09000007/+/air',
    'streetsense/v1/E09000007/#/air',
    'streetsense/v1/E09000007/s1/weather',
    '/streetsense/v1/E09000007/s1/air',
  ])('does not parse %s', (topic) => {
    expect(parseTopic(topic)).toBeUndefined()
  })

  it('builds subscription filters for all or some boroughs', () => {
    expect(readingFilters()).toEqual([
      'streetsense/v1/+/+/air',
      'streetsense/v1/+/+/traffic',
      'streetsense/v1/+/+/status',
    ])
    expect(readingFilters(['E09000001'], ['air'])).toEqual(['streetsense/v1/E09000001/+/air'])
    expect(deviceDownlinkFilter('E09000001', 'n1')).toBe('streetsense/v1/E09000001/n1/+')
  })
})
