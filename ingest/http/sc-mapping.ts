/**
 * An airrohr body (`{ software_version, sensordatavalues: [{ value_type, value }] }`) as values of
 * the shared schema. Nothing is dropped silently: every entry that is not stored is listed with
 * its reason (`notStored`), and value types the table does not know are listed apart (`unknown`).
 */
import {
  type AirField,
  SC_INTERVAL_TYPE,
  SC_PINS,
  SC_PRECEDENCE,
  SC_VALUE_TYPES,
  type ScValueType,
  scValueTypeName,
} from './sc-value-types.js'

export interface NotStored {
  value_type: string
  reason: string
}

export interface ScMapped {
  values: Partial<Record<AirField, number>>
  /** The firmware's sending interval (custom API `interval` entry), in whole seconds. */
  intervalSeconds?: number
  notStored: NotStored[]
  /** value_types no version of the firmware sends (as far as the table knows). */
  unknown: string[]
}

/** Why a body cannot become a reading: the message, and the JSON Pointer of what is wrong. */
export class ScRefusal extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message)
  }
}

const NUMBER = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value !== 'string' || !NUMBER.test(value)) return undefined
  return Number(value)
}

const rank = (source: string): number => {
  const i = (SC_PRECEDENCE as readonly string[]).indexOf(source)
  return i < 0 ? SC_PRECEDENCE.length : i
}

interface Candidate {
  valueType: string
  entry: ScValueType
  value: number
}

/**
 * Maps a body. `pin` is the X-PIN header of the Sensor.Community API format (values without their
 * sensor prefix); without it the body is in the custom API format (full value_type names).
 */
export function mapScBody(body: unknown, pin?: string): ScMapped {
  const list = (body as { sensordatavalues?: unknown } | null)?.sensordatavalues
  if (!Array.isArray(list)) throw new ScRefusal('sensordatavalues must be an array', '/sensordatavalues')
  // Own keys only: an X-PIN or value_type of __proto__ or constructor must not find Object.prototype's.
  if (pin !== undefined && !Object.hasOwn(SC_PINS, pin)) {
    throw new ScRefusal(`X-PIN ${pin} is no Sensor.Community sensor pin (${Object.keys(SC_PINS).join(', ')})`, 'x-pin')
  }
  const out: ScMapped = { values: {}, notStored: [], unknown: [] }
  const candidates = new Map<AirField, Candidate[]>()
  for (const item of list) {
    const { value_type: raw, value } = (item ?? {}) as { value_type?: unknown; value?: unknown }
    const valueType = String(raw)
    const name = pin === undefined ? valueType : (scValueTypeName(pin, valueType) ?? fullName(valueType))
    if (pin === undefined && valueType === SC_INTERVAL_TYPE) {
      readInterval(out, value)
      continue
    }
    const entry = name !== undefined && Object.hasOwn(SC_VALUE_TYPES, name) ? SC_VALUE_TYPES[name] : undefined
    if (!entry) {
      out.unknown.push(valueType)
      continue
    }
    if (!entry.field) {
      out.notStored.push({ value_type: valueType, reason: entry.ignored ?? 'not stored' })
      continue
    }
    const n = numeric(value)
    if (n === undefined) {
      out.notStored.push({ value_type: valueType, reason: `value ${JSON.stringify(value)} is not a number` })
      continue
    }
    const list = candidates.get(entry.field) ?? []
    list.push({ valueType, entry, value: n })
    candidates.set(entry.field, list)
  }
  for (const [field, list] of candidates) keepBest(out, field, list)
  return out
}

/** A prefixed name sent with X-PIN anyway (a custom API body with the header): taken as it is. */
function fullName(valueType: string): string | undefined {
  return valueType.includes('_') && Object.hasOwn(SC_VALUE_TYPES, valueType) ? valueType : undefined
}

/** One value per field: the best-ranked sensor's (the first of equals); the others are reported as not stored. */
function keepBest(out: ScMapped, field: AirField, list: Candidate[]): void {
  const keep = list.reduce((a, b) => (rank(b.entry.source) < rank(a.entry.source) ? b : a))
  out.values[field] = Math.round(keep.value * (keep.entry.scale ?? 1) * 1000) / 1000
  for (const drop of list) {
    if (drop === keep) continue
    const reason =
      drop.valueType === keep.valueType
        ? `${drop.valueType} appears more than once; the first is stored`
        : `${field} is also sent as ${keep.valueType} (${keep.entry.source}), which is preferred`
    out.notStored.push({ value_type: drop.valueType, reason })
  }
}

function readInterval(out: ScMapped, value: unknown): void {
  const ms = numeric(value)
  const s = ms === undefined ? Number.NaN : Math.round(ms / 1000)
  if (s >= 1 && s <= 86_400) out.intervalSeconds = s
  else out.notStored.push({ value_type: SC_INTERVAL_TYPE, reason: 'not an interval of 1 s to 1 day in ms' })
}

/** The refusal when nothing in the body can be stored: what arrived and why none of it is kept. */
export function nothingStored(mapped: ScMapped): ScRefusal {
  const parts = [
    ...mapped.unknown.map((t) => `${t} (unknown value_type)`),
    ...mapped.notStored.map((n) => `${n.value_type} (${n.reason})`),
  ]
  const joined = parts.join('; ')
  const got = parts.length === 0 ? 'an empty list' : joined.length > 1000 ? `${joined.slice(0, 1000)}...` : joined
  return new ScRefusal(
    `no value_type this intake stores: got ${got}. The stored value types are listed in docs/schema.md`,
    '/sensordatavalues',
  )
}
