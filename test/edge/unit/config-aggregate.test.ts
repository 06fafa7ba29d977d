import { describe, expect, it } from 'vitest'
import { Aggregator } from '../../../edge/aggregate/aggregator.js'
import { parseEdgeConfig } from '../../../edge/config.js'
import { validateReading } from '../../../schemas/validate.js'

const base = {
  sensor: { id: 'cam-air-1', borough: 'E09000007', kind: 'air' },
  broker: { url: 'mqtt://127.0.0.1:1883', username: 'cam-air-1', password: 'x' },
  dataDir: '/tmp/x',
  sensors: [{ driver: 'sds011', port: '/dev/serial0' }],
}

describe('edge config', () => {
  it('fills defaults', () => {
    const c = parseEdgeConfig(base)
    expect(c.publishIntervalSeconds).toBe(60)
    expect(c.outbox).toMatchObject({ maxRows: 100000, inFlight: 20, batchSize: 60 })
    expect(c.sensors[0]).toMatchObject({ driver: 'sds011', workingPeriodMinutes: 0, sleepOnStop: true })
    expect(c.sensor.grade).toBe('indicative')
  })

  it.each([
    [{ ...base, sensor: { ...base.sensor, borough: 'E09000099' } }, 'sensor/borough'],
    [{ ...base, sensors: [{ driver: 'sds011' }] }, 'sensors/0/port'],
    [{ ...base, sensors: [{ driver: 'sds011', port: '/dev/x', baud: 1 }] }, 'sensors/0/baud'],
    [{ ...base, outbox: { maxRows: 0 } }, 'outbox/maxRows'],
    [{ ...base, broker: { url: 'http://x' } }, 'broker/url'],
    [{ ...base, sensor: { ...base.sensor, kind: 'traffic' } }, 'sensors/0/driver'],
    [{ ...base, dataDir: undefined }, 'dataDir'],
  ])('names the bad field (%#)', (input, field) => {
    expect(() => parseEdgeConfig(input)).toThrowError(
      expect.objectContaining({ code: 'IOT_EDGE_CONFIG_INVALID', field }),
    )
  })
})

describe('aggregator', () => {
  const t0 = Date.UTC(2026, 10, 27, 8, 0, 0)
  it('means air values per field over aligned windows, time = window start', () => {
    const a = new Aggregator({
      sensor: 's1',
      borough: 'E09000007',
      kind: 'air',
      grade: 'indicative',
      intervalSeconds: 60,
      classes: [],
      startTime: t0 + 5000,
    })
    a.add({ kind: 'air', time: t0 + 10_000, values: { pm2_5: 10, pm10: 20 } })
    a.add({ kind: 'air', time: t0 + 20_000, values: { pm2_5: 14 } })
    a.add({ kind: 'air', time: t0 + 61_000, values: { pm2_5: 99 } })
    expect(a.close(t0 + 59_000)).toEqual([])
    const [r] = a.close(t0 + 60_100, ['clock_unsynced'])
    expect(r).toMatchObject({
      time: '2026-11-27T08:00:00.000Z',
      interval: 60,
      values: { pm2_5: 12, pm10: 20 },
      quality: { flags: ['clock_unsynced'] },
    })
    expect(validateReading({ ...r, seq: 1 }, t0 + 61_000).ok).toBe(true)
    expect(a.close(t0 + 180_000)).toHaveLength(1) // 08:01 has a sample, 08:02 has none
  })

  it('counts traffic per class in whole windows only, zeros included', () => {
    const a = new Aggregator({
      sensor: 's2',
      borough: 'E09000007',
      kind: 'traffic',
      grade: 'indicative',
      intervalSeconds: 10,
      classes: ['car', 'hgv'],
      startTime: t0 + 3000,
    })
    a.add({ kind: 'traffic', time: t0 + 4000, counts: { car: 1 } }) // partial first window: dropped
    a.add({ kind: 'traffic', time: t0 + 11_000, counts: { car: 1 } })
    a.add({ kind: 'traffic', time: t0 + 12_000, counts: { car: 2, pedestrian: 1 } })
    const out = a.close(t0 + 30_000)
    expect(out.map((r) => [r.time, r.values])).toEqual([
      ['2026-11-27T08:00:10.000Z', { counts: { car: 3, hgv: 0, pedestrian: 1 } }],
      ['2026-11-27T08:00:20.000Z', { counts: { car: 0, hgv: 0 } }],
    ])
  })

  it('applies a new interval from the end of the current window', () => {
    const a = new Aggregator({
      sensor: 's2',
      borough: 'E09000007',
      kind: 'traffic',
      grade: 'indicative',
      intervalSeconds: 10,
      classes: ['car'],
      startTime: t0,
    })
    a.setInterval(30)
    const out = a.close(t0 + 40_000)
    expect(out.map((r) => [r.time, r.interval])).toEqual([
      ['2026-11-27T08:00:00.000Z', 10],
      ['2026-11-27T08:00:10.000Z', 30],
    ])
  })
})
