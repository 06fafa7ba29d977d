import { describe, expect, it } from 'vitest'
import { PMS5003, Pms5003Parser, pms5003DataFrame } from '../../../edge/sensors/pms5003-frame.js'
import { SDS011, Sds011Parser, sds011Command, sds011DataFrame } from '../../../edge/sensors/sds011-frame.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

describe('SDS011 frames (byte-exact vectors from the Nova protocol V1.3 and captures)', () => {
  it('builds the documented commands', () => {
    expect(SDS011.query()).toEqual(hex('AA B4 04 00 00 00 00 00 00 00 00 00 00 00 00 FF FF 02 AB'))
    expect(SDS011.setActiveMode()).toEqual(hex('AA B4 02 01 00 00 00 00 00 00 00 00 00 00 00 FF FF 01 AB'))
    expect(SDS011.sleep()).toEqual(hex('AA B4 06 01 00 00 00 00 00 00 00 00 00 00 00 FF FF 05 AB'))
    expect(SDS011.work()).toEqual(hex('AA B4 06 01 01 00 00 00 00 00 00 00 00 00 00 FF FF 06 AB'))
    expect(SDS011.workingPeriod(5)).toEqual(hex('AA B4 08 01 05 00 00 00 00 00 00 00 00 00 00 FF FF 0C AB'))
    expect(sds011Command(0x08, [1, 1], 0xa160)).toEqual(hex('AA B4 08 01 01 00 00 00 00 00 00 00 00 00 00 A1 60 0B AB'))
  })

  it('decodes data frames and replies', () => {
    const p = new Sds011Parser()
    const evs = p.push(
      hex('AA C0 D4 04 3A 0A A1 60 1D AB  AA C0 06 00 06 00 58 D9 3D AB  AA C5 07 0F 07 0A A1 60 28 AB'),
    )
    expect(evs.map((e) => e.ok && e.frame)).toEqual([
      { type: 'data', pm2_5: 123.6, pm10: 261.8, id: 0xa160 },
      { type: 'data', pm2_5: 0.6, pm10: 0.6, id: 0x58d9 },
      { type: 'reply', command: 7, data: [15, 7, 10], id: 0xa160 },
    ])
  })

  it('reassembles split frames, skips garbage and resyncs after a bad checksum', () => {
    const p = new Sds011Parser()
    const good = sds011DataFrame(12.3, 45.6)
    expect(good).toEqual(hex('AA C0 7B 00 C8 01 A1 60 45 AB'))
    const bad = Buffer.from(good)
    bad[8] = 0x00
    const events = [
      ...p.push(Buffer.concat([hex('01 02 AA 55'), good.subarray(0, 4)])),
      ...p.push(Buffer.concat([good.subarray(4), bad, hex('AA'), good])),
    ]
    const frames = events.filter((e) => e.ok)
    const errors = events.filter((e) => !e.ok).map((e) => !e.ok && e.reason)
    expect(frames).toHaveLength(2)
    expect(errors).toContain('garbage')
    expect(errors).toContain('checksum')
  })
})

describe('PMS5003 frames', () => {
  it('builds the documented commands', () => {
    expect(PMS5003.passiveMode()).toEqual(hex('42 4D E1 00 00 01 70'))
    expect(PMS5003.activeMode()).toEqual(hex('42 4D E1 00 01 01 71'))
    expect(PMS5003.read()).toEqual(hex('42 4D E2 00 00 01 71'))
    expect(PMS5003.sleep()).toEqual(hex('42 4D E4 00 00 01 73'))
    expect(PMS5003.wake()).toEqual(hex('42 4D E4 00 01 01 74'))
  })

  it('decodes a real capture and a unit-test frame from bertrik/pms7003', () => {
    const p = new Pms5003Parser()
    const evs = p.push(
      hex(
        '42 4D 00 1C 00 00 00 08 00 08 00 00 00 08 00 08 00 D2 00 46 00 2D 00 1E 00 00 00 00 97 00 02 C5' +
          '42 4D 00 1C 00 10 00 25 01 00 00 10 00 25 01 00 00 03 00 05 00 10 00 25 00 50 01 00 88 99 02 C6',
      ),
    )
    expect(evs).toHaveLength(2)
    const [a, b] = evs.map((e) => (e.ok && e.frame.type === 'data' ? e.frame.data : undefined))
    expect(a).toMatchObject({ pm1: 0, pm2_5: 8, pm10: 8, counts: [210, 70, 45, 30, 0, 0], version: 0x97, errorCode: 0 })
    expect(b).toMatchObject({ pm1: 16, pm2_5: 37, pm10: 256 })
  })

  it('resyncs after garbage and a corrupted frame', () => {
    const p = new Pms5003Parser()
    const good = pms5003DataFrame(5, 9, 14)
    const bad = Buffer.from(good)
    bad[12] = 0xff
    const evs = [
      ...p.push(Buffer.concat([hex('42 00 13 37'), bad.subarray(0, 20)])),
      ...p.push(Buffer.concat([bad.subarray(20), good])),
    ]
    const data = evs.flatMap((e) => (e.ok && e.frame.type === 'data' ? [e.frame.data] : []))
    expect(data).toHaveLength(1)
    expect(data[0]).toMatchObject({ pm1: 5, pm2_5: 9, pm10: 14 })
    expect(evs.some((e) => !e.ok && e.reason === 'checksum')).toBe(true)
  })
})
