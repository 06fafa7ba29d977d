/** Resynchronisation shared by the serial frame parsers: hunt for the header byte. */

export interface GarbageEvent {
  ok: false
  reason: 'garbage'
  raw: Buffer
}

/**
 * Drops the bytes before the first `head` byte, reporting them as garbage, and returns the rest
 * (empty when no header byte is left, in which case every byte was reported).
 */
export function skipToHeader(buf: Buffer, head: number, out: { push(event: GarbageEvent): number }): Buffer {
  const start = buf.indexOf(head)
  if (start < 0) {
    if (buf.length) out.push({ ok: false, reason: 'garbage', raw: buf })
    return Buffer.alloc(0)
  }
  if (start > 0) out.push({ ok: false, reason: 'garbage', raw: buf.subarray(0, start) })
  return buf.subarray(start)
}
