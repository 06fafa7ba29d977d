/**
 * The bulk history cursor: where the next page starts, as (sensor id, time). Readings are served
 * in the order (sensor, time, lane, direction) and a page always ends before a time of one
 * sensor, never inside the readings sharing it, so this key is enough for no reading to be lost
 * or repeated across pages, equal timestamps included. Opaque to clients (base64url JSON, v1).
 */
import { badParam } from '../params.js'

export interface BulkCursor {
  /** The sensor the next page starts with (or the first sensor after it, if it is gone). */
  sensor: string
  /** The time (epoch ms) the next page starts at within that sensor. */
  time: number
}

export function encodeBulkCursor(c: BulkCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, s: c.sensor, t: c.time })).toString('base64url')
}

export function parseBulkCursor(value: string | undefined): BulkCursor | undefined {
  if (value === undefined || value === '') return undefined
  try {
    const c = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { v?: unknown; s?: unknown; t?: unknown }
    if (c.v === 1 && typeof c.s === 'string' && c.s.length <= 64 && Number.isSafeInteger(c.t)) {
      return { sensor: c.s, time: c.t as number }
    }
  } catch {
    // fall through to the error below
  }
  throw badParam('cursor', 'is not a cursor returned by GET /v1/readings (take it from the previous page)')
}
