/**
 * Hand-built MQTT 3.1.1 packets (valid and broken) and a raw TCP client, for fuzzing the broker
 * below what mqtt.js would ever send.
 */
import { type Socket, connect as tcpConnect } from 'node:net'

export function remainingLength(n: number): Buffer {
  const bytes: number[] = []
  do {
    let b = n % 128
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    bytes.push(b)
  } while (n > 0)
  return Buffer.from(bytes)
}

const str = (s: string) => {
  const b = Buffer.from(s, 'utf8')
  const len = Buffer.alloc(2)
  len.writeUInt16BE(b.length)
  return Buffer.concat([len, b])
}

const packet = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type]), remainingLength(body.length), body])

export function connectPacket(
  clientId: string,
  username?: string,
  password?: string,
  keepalive = 30,
  clean = true,
): Buffer {
  let flags = clean ? 0x02 : 0x00
  if (username !== undefined) flags |= 0x80
  if (password !== undefined) flags |= 0x40
  const ka = Buffer.alloc(2)
  ka.writeUInt16BE(keepalive)
  const parts = [str('MQTT'), Buffer.from([4, flags]), ka, str(clientId)]
  if (username !== undefined) parts.push(str(username))
  if (password !== undefined) parts.push(str(password))
  return packet(0x10, Buffer.concat(parts))
}

export function publishPacket(topic: string, payload: Buffer | string, qos = 1, id = 1): Buffer {
  const mid = Buffer.alloc(2)
  mid.writeUInt16BE(id)
  const body = Buffer.concat([str(topic), qos > 0 ? mid : Buffer.alloc(0), Buffer.from(payload)])
  return packet(0x30 | (qos << 1), body)
}

export function subscribePacket(filter: string, id = 1): Buffer {
  const mid = Buffer.alloc(2)
  mid.writeUInt16BE(id)
  return packet(0x82, Buffer.concat([mid, str(filter), Buffer.from([1])]))
}

const idPacket = (type: number, id: number) => {
  const mid = Buffer.alloc(2)
  mid.writeUInt16BE(id)
  return packet(type, mid)
}
export const pubackPacket = (id: number) => idPacket(0x40, id)
export const pubrecPacket = (id: number) => idPacket(0x50, id)
export const pubrelPacket = (id: number) => idPacket(0x62, id)
export const subackPacket = (id: number) => packet(0x90, Buffer.from([id >> 8, id & 0xff, 0]))
export const connackPacket = () => Buffer.from([0x20, 2, 0, 0])
export const pingreqPacket = () => Buffer.from([0xc0, 0])
export const disconnectPacket = () => Buffer.from([0xe0, 0])

export interface RawResult {
  /** The broker closed the connection (not us). */
  closedByBroker: boolean
  received: Buffer
}

/**
 * Opens a TCP connection, writes the chunks (with a pause between), and waits up to `waitMs` for
 * the broker to close it; then closes it ourselves.
 */
export function rawExchange(port: number, chunks: Buffer[], waitMs = 300, gapMs = 0): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket: Socket = tcpConnect(port, '127.0.0.1')
    const received: Buffer[] = []
    let done = false
    let timer: NodeJS.Timeout | undefined
    const finish = (closedByBroker: boolean) => {
      if (done) return
      done = true
      if (timer) clearTimeout(timer)
      socket.destroy()
      resolve({ closedByBroker, received: Buffer.concat(received) })
    }
    socket.on('data', (d) => received.push(d))
    socket.on('error', () => finish(true))
    socket.on('close', () => finish(true))
    socket.on('connect', async () => {
      for (const c of chunks) {
        if (done) return
        socket.write(c)
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs)) // the gap between chunks is the input
      }
      timer = setTimeout(() => finish(false), waitMs)
    })
  })
}

/** Runs `tasks` with at most `limit` at a time. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++
        results[i] = await tasks[i]!()
      }
    }),
  )
  return results
}
