/**
 * Aedes 1.x has no maximum packet size: its parser buffers whatever length a fixed header
 * announces (up to 256 MB). GuardedConnection sits between the socket and `aedes.handle`: it
 * decodes every packet's fixed header (type byte + "remaining length" varint) as bytes arrive and
 * destroys the connection as soon as a header announces more than the limit, before the chunk
 * is handed to Aedes. So at most one read chunk of an oversized packet is ever held, and no part
 * of it is parsed or routed. Writes pass straight through to the socket (with its backpressure).
 */
import { Duplex } from 'node:stream'

/** Incremental decoder of MQTT fixed headers over an arbitrarily chunked byte stream. */
export class FixedHeaderScanner {
  private state: 'type' | 'length' | 'body' = 'type'
  private length = 0
  private multiplier = 1
  private lengthBytes = 0
  private bodyLeft = 0

  constructor(private readonly maxPacketBytes: number) {}

  /** Returns the announced packet size when it exceeds the limit (or -1 for a malformed header). */
  scan(chunk: Buffer): number | undefined {
    let i = 0
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.bodyLeft, chunk.length - i)
        this.bodyLeft -= take
        i += take
        if (this.bodyLeft === 0) this.state = 'type'
        continue
      }
      const byte = chunk[i++]!
      if (this.state === 'type') {
        this.state = 'length'
        this.length = 0
        this.multiplier = 1
        this.lengthBytes = 0
        continue
      }
      this.length += (byte & 0x7f) * this.multiplier
      this.multiplier *= 128
      this.lengthBytes++
      if (byte & 0x80) {
        if (this.lengthBytes >= 4) return -1
        continue
      }
      const total = 1 + this.lengthBytes + this.length
      if (total > this.maxPacketBytes) return total
      this.bodyLeft = this.length
      this.state = this.length === 0 ? 'type' : 'body'
    }
    return undefined
  }
}

export class GuardedConnection extends Duplex {
  private readonly scanner: FixedHeaderScanner
  /**
   * The peer has closed its side (FIN) or the socket is gone. Aedes does not read while a login
   * is checked, so it sees the end of this stream only after the login: the login hook asks here.
   */
  peerGone = false

  constructor(
    private readonly socket: Duplex,
    maxPacketBytes: number,
    onOversize: (announcedBytes: number) => void,
  ) {
    super({ allowHalfOpen: false })
    this.scanner = new FixedHeaderScanner(maxPacketBytes)
    socket.on('data', (chunk: Buffer) => {
      const over = this.scanner.scan(chunk)
      if (over !== undefined) {
        socket.pause()
        onOversize(over)
        this.destroy()
        return
      }
      if (!this.push(chunk)) socket.pause()
    })
    let ended = false
    socket.on('end', () => {
      ended = true
      this.peerGone = true
      this.push(null)
    })
    socket.on('error', (err) => this.destroy(err))
    // After a clean FIN the socket closes at once, but Aedes may not have read everything yet
    // (e.g. the last QoS 0 publishes and DISCONNECT of a client that just sent them): let the
    // readable side drain and end; only an abrupt close destroys the stream here.
    socket.on('close', (hadError: boolean) => {
      this.peerGone = true
      if (hadError || !ended) this.destroy()
    })
  }

  override _read(): void {
    this.socket.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.destroyed || !this.socket.writable) {
      callback(new Error('connection closed'))
      return
    }
    if (this.socket.write(chunk)) callback()
    else this.socket.once('drain', () => callback())
  }

  // mqtt-packet corks the stream for each packet it writes; pass the batch on in one go.
  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    if (this.socket.destroyed || !this.socket.writable) {
      callback(new Error('connection closed'))
      return
    }
    let flushed = true
    this.socket.cork()
    for (const { chunk } of chunks) flushed = this.socket.write(chunk)
    this.socket.uncork()
    if (flushed) callback()
    else this.socket.once('drain', () => callback())
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end()
    callback()
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy()
    callback(err)
  }
}
