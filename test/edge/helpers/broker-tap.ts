/** Records every reading that reaches a plain Aedes broker (single readings and batches). */
import type { Aedes } from 'aedes'
import type { Reading } from '../../../schemas/types.gen.js'

export interface Tap {
  readings: Reading[]
  messages: { topic: string; batch: boolean; count: number }[]
  seqs(): number[]
  maxSeq(): number
}

export function tapReadings(broker: Aedes, tap?: Tap): Tap {
  const t: Tap = tap ?? {
    readings: [],
    messages: [],
    seqs() {
      return this.readings.map((r) => r.seq)
    },
    maxSeq() {
      return this.readings.reduce((m, r) => Math.max(m, r.seq), 0)
    },
  }
  broker.on('publish', (packet, client) => {
    if (!client || !/\/(air|traffic)$/.test(packet.topic)) return
    const body = JSON.parse(packet.payload.toString())
    const list: Reading[] = body.readings ?? [body]
    t.messages.push({ topic: packet.topic, batch: Boolean(body.readings), count: list.length })
    t.readings.push(...list)
  })
  return t
}

/** Seqs in first-arrival order, duplicates removed. */
export function firstArrivals(seqs: number[]): number[] {
  const seen = new Set<number>()
  return seqs.filter((s) => {
    if (seen.has(s)) return false
    seen.add(s)
    return true
  })
}
