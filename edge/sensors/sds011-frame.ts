/**
 * Nova SDS011 serial protocol (Laser Dust Sensor Control Protocol V1.3): 10-byte frames from the
 * sensor (AA C0|C5 ... CS AB), 19-byte commands to it. The parser is a state machine that hunts
 * for the header, checks checksum and tail, and resyncs on the next AA after any garbage, so one
 * lost byte costs one frame, not the stream.
 */
import { skipToHeader } from './frame-sync.js'

export type Sds011Frame =
  | { type: 'data'; pm2_5: number; pm10: number; id: number }
  | { type: 'reply'; command: number; data: [number, number, number]; id: number }

export type Sds011Event =
  | { ok: true; frame: Sds011Frame; raw: Buffer }
  | { ok: false; reason: 'checksum' | 'garbage'; raw: Buffer }

const HEAD = 0xaa
const TAIL = 0xab
const FRAME = 10

export class Sds011Parser {
  private buf: Buffer = Buffer.alloc(0)

  /** Feeds bytes; returns every complete frame (or error) found, in order. */
  push(chunk: Buffer): Sds011Event[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    const out: Sds011Event[] = []
    for (;;) {
      this.buf = skipToHeader(this.buf, HEAD, out)
      if (this.buf.length === 0) return out
      if (this.buf.length < 2) return out
      const cmd = this.buf[1]
      if (cmd !== 0xc0 && cmd !== 0xc5) {
        out.push({ ok: false, reason: 'garbage', raw: this.buf.subarray(0, 1) })
        this.buf = this.buf.subarray(1)
        continue
      }
      if (this.buf.length < FRAME) return out
      const raw = Buffer.from(this.buf.subarray(0, FRAME))
      let sum = 0
      for (let i = 2; i < 8; i++) sum += raw[i]!
      if ((sum & 0xff) !== raw[8] || raw[9] !== TAIL) {
        out.push({ ok: false, reason: 'checksum', raw })
        this.buf = this.buf.subarray(1) // resync: the next AA may start a real frame
        continue
      }
      this.buf = this.buf.subarray(FRAME)
      const id = raw.readUInt16BE(6)
      out.push({
        ok: true,
        raw,
        frame:
          cmd === 0xc0
            ? { type: 'data', pm2_5: raw.readUInt16LE(2) / 10, pm10: raw.readUInt16LE(4) / 10, id }
            : { type: 'reply', command: raw[2]!, data: [raw[3]!, raw[4]!, raw[5]!], id },
      })
    }
  }
}

/** A 19-byte command: AA B4 CMD D1..D12 ID1 ID2 CS AB, CS = sum(bytes 2..16) & 0xFF. */
export function sds011Command(command: number, data: number[] = [], id = 0xffff): Buffer {
  const b = Buffer.alloc(19)
  b[0] = HEAD
  b[1] = 0xb4
  b[2] = command
  data.slice(0, 12).forEach((d, i) => {
    b[3 + i] = d
  })
  b.writeUInt16BE(id, 15)
  let sum = 0
  for (let i = 2; i <= 16; i++) sum += b[i]!
  b[17] = sum & 0xff
  b[18] = TAIL
  return b
}

export const SDS011 = {
  setActiveMode: () => sds011Command(0x02, [1, 0]),
  setQueryMode: () => sds011Command(0x02, [1, 1]),
  query: () => sds011Command(0x04),
  sleep: () => sds011Command(0x06, [1, 0]),
  work: () => sds011Command(0x06, [1, 1]),
  workingPeriod: (minutes: number) => sds011Command(0x08, [1, minutes]),
  firmware: () => sds011Command(0x07),
}

/** Builds a sensor->host data frame (used by emulators in tests and the demo). */
export function sds011DataFrame(pm2_5: number, pm10: number, id = 0xa160): Buffer {
  const b = Buffer.alloc(10)
  b[0] = HEAD
  b[1] = 0xc0
  b.writeUInt16LE(Math.round(pm2_5 * 10), 2)
  b.writeUInt16LE(Math.round(pm10 * 10), 4)
  b.writeUInt16BE(id, 6)
  let sum = 0
  for (let i = 2; i < 8; i++) sum += b[i]!
  b[8] = sum & 0xff
  b[9] = TAIL
  return b
}
