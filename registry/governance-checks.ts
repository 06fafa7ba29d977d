/**
 * Checks of governance records as they arrive (admin API bodies, CLI flags): every field named in
 * the error, unknown fields refused, dates real calendar days. What needs the database (the
 * sensors exist and belong to the borough) is checked in the write transaction (agreements.ts,
 * dpias.ts).
 */
import { StreetsenseError } from '../core/index.js'
import { BOROUGHS, isBoroughCode, isSensorId } from '../schemas/index.js'
import type { AgreementInput, DpiaInput } from './governance-types.js'

const REFERENCE = /^[A-Za-z0-9._:-]{1,64}$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

function invalid(field: string, message: string): StreetsenseError {
  return new StreetsenseError('IOT_REGISTRY_INVALID_RECORD', `${field}: ${message}`, field)
}

type Fields = Record<string, unknown>

function objectOf(input: unknown, allowed: readonly string[]): Fields {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid('body', 'must be an object')
  const unknown = Object.keys(input).find((k) => !allowed.includes(k))
  if (unknown !== undefined) throw invalid(unknown, `unknown field; allowed: ${allowed.join(', ')}`)
  return input as Fields
}

function text(o: Fields, field: string, max: number): string {
  const v = o[field]
  if (typeof v !== 'string' || v.trim() === '') throw invalid(field, 'required text')
  if (v.length > max) throw invalid(field, `at most ${max} characters`)
  return v.trim()
}

export function reference(v: unknown, field = 'reference'): string {
  if (typeof v !== 'string' || !REFERENCE.test(v)) throw invalid(field, 'must match [A-Za-z0-9._:-]{1,64}')
  return v
}

/** A YYYY-MM-DD that is a real day (2026-02-30 is refused). */
export function isoDate(v: unknown, field: string): string {
  if (typeof v !== 'string' || !DATE.test(v)) throw invalid(field, 'must be a date YYYY-MM-DD')
  const d = new Date(`${v}T00:00:00Z`)
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) throw invalid(field, `${v} is not a day`)
  return v
}

export function borough(v: unknown, field = 'borough'): string {
  if (typeof v !== 'string' || !isBoroughCode(v)) {
    throw invalid(field, `not a London borough code; allowed: ${Object.keys(BOROUGHS).join(', ')}`)
  }
  return v
}

function list<T>(v: unknown, field: string, each: (item: unknown, field: string) => T): T[] {
  if (!Array.isArray(v) || v.length === 0) throw invalid(field, 'must be a non-empty list')
  if (v.length > 1000) throw invalid(field, 'at most 1000 items')
  const items = v.map((item, i) => each(item, `${field}/${i}`))
  const twice = items.find((item, i) => items.indexOf(item) !== i)
  if (twice !== undefined) throw invalid(field, `${String(twice)} appears twice`)
  return items
}

function sensorId(v: unknown, field: string): string {
  if (typeof v !== 'string' || !isSensorId(v)) throw invalid(field, 'not a sensor id ([A-Za-z0-9._:-]{1,64})')
  return v
}

function notBefore(later: string, laterField: string, earlier: string, earlierField: string): void {
  if (later < earlier) throw invalid(laterField, `${later} is before ${earlierField} ${earlier}`)
}

const AGREEMENT_FIELDS = ['reference', 'borough', 'partners', 'purpose', 'sensors', 'starts', 'review', 'ends'] as const

export function checkAgreement(input: unknown): AgreementInput {
  const o = objectOf(input, AGREEMENT_FIELDS)
  const owner = borough(o.borough)
  const partners = list(o.partners, 'partners', (v, f) => borough(v, f))
  if (partners.includes(owner)) throw invalid('partners', `the owning borough ${owner} is not a partner of itself`)
  const starts = isoDate(o.starts, 'starts')
  const review = isoDate(o.review, 'review')
  notBefore(review, 'review', starts, 'starts')
  const a: AgreementInput = {
    reference: reference(o.reference),
    borough: owner,
    partners,
    purpose: text(o, 'purpose', 1000),
    starts,
    review,
  }
  if (o.sensors !== undefined && o.sensors !== null) a.sensors = list(o.sensors, 'sensors', sensorId)
  if (o.ends !== undefined && o.ends !== null) {
    a.ends = isoDate(o.ends, 'ends')
    notBefore(a.ends, 'ends', starts, 'starts')
  }
  return a
}

const DPIA_FIELDS = ['reference', 'borough', 'title', 'purpose', 'url', 'sensors', 'approved', 'review'] as const

export function checkDpia(input: unknown): DpiaInput {
  const o = objectOf(input, DPIA_FIELDS)
  const url = text(o, 'url', 500)
  if (!/^https?:\/\/\S+$/.test(url)) throw invalid('url', 'must be an http(s) address')
  const approved = isoDate(o.approved, 'approved')
  const review = isoDate(o.review, 'review')
  notBefore(review, 'review', approved, 'approved')
  return {
    reference: reference(o.reference),
    borough: borough(o.borough),
    title: text(o, 'title', 200),
    purpose: text(o, 'purpose', 1000),
    url,
    sensors: list(o.sensors, 'sensors', sensorId),
    approved,
    review,
  }
}

/** Sensors a record names must be registered in its borough (`where` finds a sensor's borough). */
export function requireSensorsOf(
  owner: string,
  sensors: readonly string[] | undefined,
  where: (id: string) => string | undefined,
): void {
  for (const [i, id] of (sensors ?? []).entries()) {
    const at = where(id)
    if (at === undefined) throw invalid(`sensors/${i}`, `no sensor ${id} in the register`)
    if (at !== owner) throw invalid(`sensors/${i}`, `sensor ${id} is in ${at}, not ${owner}`)
  }
}
