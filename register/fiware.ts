/**
 * FIWARE Smart Data Models as NGSI-LD entities: AirQualityObserved (one entity per air sensor) and
 * TrafficFlowObserved (one entity per traffic sensor, lane and direction for all vehicles, plus one
 * per vehicle class with `vehicleType`). Attribute names, scales and UN/CEFACT unit codes come from
 * mappings.ts; only terms of the models' @context are used (a field with no term is left out).
 * Each entity is built once as attributes (Property, GeoProperty, Relationship) and written in
 * either NGSI-LD representation (ngsi-ld.ts): normalized, with `unitCode` and `observedAt`, or
 * keyValues (simplified).
 */

import type { RegisterEntry } from '../schemas/index.js'
import { boroughName } from '../schemas/index.js'
import { fieldMapping, fieldsOf } from './mappings.js'
import type { NgsiAttribute, NgsiEntity } from './ngsi-ld.js'
import { pointOf } from './public-entry.js'
import type { ApiReading } from './queries.js'

const property = (
  value: unknown,
  extra: Partial<Extract<NgsiAttribute, { kind: 'Property' }>> = {},
): NgsiAttribute => ({
  kind: 'Property',
  value,
  ...extra,
})

function common(entry: RegisterEntry, sourceUrl: string): Record<string, NgsiAttribute> {
  const address: Record<string, string> = {
    addressLocality: 'London',
    addressCountry: 'GB',
    district: boroughName(entry.borough) ?? entry.borough,
  }
  if (entry.address) address.streetAddress = entry.address
  return {
    location: { kind: 'GeoProperty', value: pointOf(entry) },
    address: property(address),
    areaServed: property(boroughName(entry.borough) ?? entry.borough),
    name: property(entry.name),
    dataProvider: property(entry.operator.name),
    source: property(sourceUrl),
    refDevice: { kind: 'Relationship', object: `urn:ngsi-ld:Device:${entry.id}` },
  }
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6
}

/** A measured value: its model attribute, scaled, with its unit code and when it was observed. */
function measured(field: string, value: number, observedAt: string): [string, NgsiAttribute] | undefined {
  const m = fieldMapping(field)
  if (!m?.fiware) return undefined
  return [m.fiware, property(round(value * m.fiwareScale), { unitCode: m.unitCode, observedAt })]
}

/**
 * One air sensor's newest reading. Values that failed QC are left out (they are not part of the
 * public figures; the readings API still has them, flagged), and no index is given: the DAQI is
 * defined on averaging periods, not on one reading (the sensor's DAQI is on its page and in the API).
 */
export function airQualityObserved(entry: RegisterEntry, reading: ApiReading, sourceUrl: string): NgsiEntity {
  const attrs: Record<string, NgsiAttribute> = {
    dateObserved: property(reading.time, { dateTime: true }),
    ...common(entry, sourceUrl),
    typeofLocation: property('outdoor'),
  }
  const failed = new Set(reading.failed ?? [])
  for (const [field, value] of Object.entries(reading.values)) {
    const a =
      fieldMapping(field)?.kind === 'air' && !failed.has(field) ? measured(field, value, reading.time) : undefined
    if (a) attrs[a[0]] = a[1]
  }
  if (failed.size > 0 || reading.suspect) attrs.reliability = property(0.5, { observedAt: reading.time })
  return { id: `urn:ngsi-ld:AirQualityObserved:${entry.id}`, type: 'AirQualityObserved', attrs }
}

export function trafficFlowObserved(entry: RegisterEntry, reading: ApiReading, sourceUrl: string): NgsiEntity[] {
  const start = reading.time
  const end = new Date(Date.parse(start) + (reading.interval ?? 0) * 1000).toISOString()
  const lane = Number(reading.lane ?? '0')
  const base: Record<string, NgsiAttribute> = {
    // An interval start/end is text, not a DateTime; its bounds are in dateObservedFrom/To.
    dateObserved: reading.interval ? property(`${start}/${end}`) : property(start, { dateTime: true }),
    dateObservedFrom: property(start, { dateTime: true }),
    dateObservedTo: property(end, { dateTime: true }),
    ...common(entry, sourceUrl),
  }
  if (entry.usrn) base.refRoadSegment = { kind: 'Relationship', object: `urn:ngsi-ld:RoadSegment:usrn:${entry.usrn}` }
  if (lane >= 1) base.laneId = property(lane)
  if (reading.direction === 'forward' || reading.direction === 'backward')
    base.laneDirection = property(reading.direction)
  const idBase = `urn:ngsi-ld:TrafficFlowObserved:${entry.id}:lane${lane}:${reading.direction ?? 'none'}`
  const all: NgsiEntity = { id: idBase, type: 'TrafficFlowObserved', attrs: { ...base } }
  const intensity = (n: number) => property(n, { unitCode: 'C62', observedAt: start })
  if (reading.values.total_vehicles !== undefined) all.attrs.intensity = intensity(reading.values.total_vehicles)
  for (const m of fieldsOf('traffic')) {
    const v = reading.values[m.field]
    const a = v !== undefined && m.aggregate === 'mean' ? measured(m.field, v, start) : undefined
    if (a) all.attrs[a[0]] = a[1]
  }
  const perClass = fieldsOf('traffic')
    .filter((m) => m.vehicleType && reading.values[m.field] !== undefined)
    .map((m) => ({
      id: `${idBase}:${m.vehicleType}`,
      type: 'TrafficFlowObserved',
      attrs: { ...base, vehicleType: property(m.vehicleType), intensity: intensity(reading.values[m.field]!) },
    }))
  return [all, ...perClass]
}
