/**
 * Reads what a broker sends a device: splits the byte stream into MQTT packets by their fixed
 * header and hands over the few a publishing device cares about. Decoding only the fixed header
 * and a packet id keeps a PUBACK at a few operations (a full parser per PUBACK would cost more
 * than building the PUBLISH it answers).
 */
export interface PacketHandlers {
  connack(returnCode: number, sessionPresent: boolean): void
  puback(id: number): void
  /** A QoS 1 PUBLISH to the device (cmd, errors): it must be acknowledged with this id. */
  publish(id: number | undefined): void
}

const TYPE = { connack: 2, publish: 3, puback: 4 } as const

export class PacketReader {
  private rest: Buffer | undefined

  constructor(private readonly on: PacketHandlers) {}

  push(chunk: Buffer): void {
    let buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk
    this.rest = undefined
    let at = 0
    while (at < buf.length) {
      const header = remainingLength(buf, at + 1)
      if (!header || at + 1 + header.bytes + header.length > buf.length) break
      const body = at + 1 + header.bytes
      this.dispatch(buf, at, body)
      at = body + header.length
    }
    if (at < buf.length) {
      buf = buf.subarray(at)
      this.rest = Buffer.from(buf)
    }
  }

  reset(): void {
    this.rest = undefined
  }

  private dispatch(buf: Buffer, at: number, body: number): void {
    const type = buf[at]! >> 4
    if (type === TYPE.puback) this.on.puback(buf.readUInt16BE(body))
    else if (type === TYPE.connack) this.on.connack(buf[body + 1]!, (buf[body]! & 1) === 1)
    else if (type === TYPE.publish) {
      const qos = (buf[at]! >> 1) & 3
      const topicLength = buf.readUInt16BE(body)
      this.on.publish(qos > 0 ? buf.readUInt16BE(body + 2 + topicLength) : undefined)
    }
    // SUBACK and PINGRESP need nothing.
  }
}

/** The remaining-length varint at `at`: its value and how many bytes it took, or undefined if incomplete. */
function remainingLength(buf: Buffer, at: number): { length: number; bytes: number } | undefined {
  let length = 0
  let multiplier = 1
  for (let i = 0; i < 4; i++) {
    if (at + i >= buf.length) return undefined
    const b = buf[at + i]!
    length += (b & 0x7f) * multiplier
    if ((b & 0x80) === 0) return { length, bytes: i + 1 }
    multiplier *= 128
  }
  throw new Error('malformed remaining length')
}
