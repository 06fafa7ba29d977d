/**
 * NGSI-LD representations of an entity (ETSI GS CIM 009): normalized, where every attribute is an
 * object with its `type` (Property, GeoProperty, Relationship), its `value` or `object`, and for
 * measurements `unitCode` (UN/CEFACT common code) and `observedAt`; and keyValues (simplified),
 * where every attribute is its bare value. The JSON-LD @context travels in the body
 * (application/ld+json) or in a Link header (application/json).
 */

export type NgsiAttribute =
  | { kind: 'Property'; value: unknown; unitCode?: string; observedAt?: string; dateTime?: boolean }
  | { kind: 'GeoProperty'; value: unknown }
  | { kind: 'Relationship'; object: string }

export interface NgsiEntity {
  id: string
  type: string
  attrs: Record<string, NgsiAttribute>
}

export type NgsiRepresentation = 'normalized' | 'keyValues'

export const NGSI_LD_CONTEXT = [
  'https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld',
  'https://raw.githubusercontent.com/smart-data-models/dataModel.Transportation/master/context.jsonld',
  'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld',
]

function normalizedAttribute(a: NgsiAttribute): Record<string, unknown> {
  if (a.kind === 'Relationship') return { type: 'Relationship', object: a.object }
  if (a.kind === 'GeoProperty') return { type: 'GeoProperty', value: a.value }
  const value = a.dateTime ? { '@type': 'DateTime', '@value': a.value } : a.value
  return {
    type: 'Property',
    value,
    ...(a.unitCode ? { unitCode: a.unitCode } : {}),
    ...(a.observedAt ? { observedAt: a.observedAt } : {}),
  }
}

export function represent(e: NgsiEntity, as: NgsiRepresentation): Record<string, unknown> {
  const out: Record<string, unknown> = { id: e.id, type: e.type }
  for (const [name, a] of Object.entries(e.attrs)) {
    out[name] = as === 'normalized' ? normalizedAttribute(a) : a.kind === 'Relationship' ? a.object : a.value
  }
  return out
}
