/**
 * Plantower PMS5003/7003/A003 serial protocol: 32-byte frames `42 4D 00 1C ... CS_H CS_L` (checksum
 * = u16 sum of bytes 0..29), 8-byte command replies `42 4D 00 04 ...`, 7-byte commands. The parser
 * hunts for `42 4D`, trusts the length word only when it is 4 or 28, and resyncs after bad bytes.
 */
import { skipToHeader } from './frame-sync.js'

export interface Pms5003Data {
  pm1Standard: number
  pm2_5Standard: number
  pm10Standard: number
  pm1: number // atmospheric environment, ug/m3: what we publish
  pm2_5: number
  pm10: number
  counts: number[] // >0.3, >0.5, >1, >2.5, >5, >10 um per 0.1 L
  version: number
  errorCode: number
}
export type Pms5003Event =
  | {
      ok: true
      frame: { type: 'data'; data: Pms5003Data } | { type: 'reply'; command: number; value: number }
      raw: Buffer
    }
  | { ok: false; reason: 'checksum' | 'garbage'; raw: Buffer }

function sum16(b: Buffer, end: number): number {
  let s = 0
  for (let i = 0; i < end; i++) s += b[i]!
  return s & 0xffff
}

export class Pms5003Parser {
  private buf: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): Pms5003Event[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    const out: Pms5003Event[] = []
    for (;;) {
      this.buf = skipToHeader(this.buf, 0x42, out)
      if (this.buf.length === 0) return out
      if (this.buf.length < 4) return out
      const len = this.buf.readUInt16BE(2)
      if (this.buf[1] !== 0x4d || (len !== 28 && len !== 4)) {
        out.push({ ok: false, reason: 'garbage', raw: this.buf.subarray(0, 1) })
        this.buf = this.buf.subarray(1)
        continue
      }
      const total = 4 + len
      if (this.buf.length < total) return out
      const raw = Buffer.from(this.buf.subarray(0, total))
      if (sum16(raw, total - 2) !== raw.readUInt16BE(total - 2)) {
        out.push({ ok: false, reason: 'checksum', raw })
        this.buf = this.buf.subarray(1)
        continue
      }
      this.buf = this.buf.subarray(total)
      if (len === 4) {
        out.push({ ok: true, raw, frame: { type: 'reply', command: raw[4]!, value: raw[5]! } })
        continue
      }
      const w = (i: number) => raw.readUInt16BE(4 + 2 * i)
      out.push({
        ok: true,
        raw,
        frame: {
          type: 'data',
          data: {
            pm1Standard: w(0),
            pm2_5Standard: w(1),
            pm10Standard: w(2),
            pm1: w(3),
            pm2_5: w(4),
            pm10: w(5),
            counts: [w(6), w(7), w(8), w(9), w(10), w(11)],
            version: raw[28]!,
            errorCode: raw[29]!,
          },
        },
      })
    }
  }
}

export function pms5003Command(command: number, value = 0): Buffer {
  const b = Buffer.from([0x42, 0x4d, command, (value >> 8) & 0xff, value & 0xff, 0, 0])
  b.writeUInt16BE(sum16(b, 5), 5)
  return b
}

export const PMS5003 = {
  passiveMode: () => pms5003Command(0xe1, 0),
  activeMode: () => pms5003Command(0xe1, 1),
  read: () => pms5003Command(0xe2, 0),
  sleep: () => pms5003Command(0xe4, 0),
  wake: () => pms5003Command(0xe4, 1),
}

/** Builds a 32-byte data frame (emulators in tests and the demo). */
export function pms5003DataFrame(pm1: number, pm2_5: number, pm10: number): Buffer {
  const b = Buffer.alloc(32)
  b.writeUInt16BE(0x424d, 0)
  b.writeUInt16BE(28, 2)
  const words = [pm1, pm2_5, pm10, pm1, pm2_5, pm10, 1200, 350, 80, 10, 2, 1]
  words.forEach((v, i) => {
    b.writeUInt16BE(Math.round(v), 4 + 2 * i)
  })
  b[28] = 0x97
  b[29] = 0
  b.writeUInt16BE(sum16(b, 30), 30)
  return b
}
