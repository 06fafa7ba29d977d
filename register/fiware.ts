/**
 * FIWARE Smart Data Models in NGSI-LD keyValues: AirQualityObserved (one entity per air sensor) and
 * TrafficFlowObserved (one entity per traffic sensor, lane and direction for all vehicles, plus one
 * per vehicle class with `vehicleType`). Attribute names and scales come from mappings.ts.
 */

import type { RegisterEntry } from '../schemas/index.js'
import { boroughName } from '../schemas/index.js'
import { daqi, isDaqiPollutant, overallDaqi } from './daqi.js'
import { fieldMapping, fieldsOf } from './mappings.js'
import type { ApiReading } from './queries.js'

export const NGSI_LD_CONTEXT = [
  'https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld',
  'https://raw.githubusercontent.com/smart-data-models/dataModel.Transportation/master/context.jsonld',
  'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld',
]

type Entity = Record<string, unknown>

function common(entry: RegisterEntry, sourceUrl: string): Entity {
  const address: Record<string, string> = {
    addressLocality: 'London',
    addressCountry: 'GB',
    district: boroughName(entry.borough) ?? entry.borough,
  }
  if (entry.address) address.streetAddress = entry.address
  const out: Entity = {
    location: { type: 'Point', coordinates: [...entry.location.coordinates] },
    address,
    areaServed: boroughName(entry.borough) ?? entry.borough,
    name: entry.name,
    dataProvider: entry.operator.name,
    source: sourceUrl,
    refDevice: `urn:ngsi-ld:Device:${entry.id}`,
  }
  return out
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6
}

export function airQualityObserved(entry: RegisterEntry, reading: ApiReading, sourceUrl: string): Entity {
  const entity: Entity = {
    id: `urn:ngsi-ld:AirQualityObserved:${entry.id}`,
    type: 'AirQualityObserved',
    dateObserved: reading.time,
    ...common(entry, sourceUrl),
    typeOfLocation: 'outdoor',
  }
  for (const [field, value] of Object.entries(reading.values)) {
    const m = fieldMapping(field)
    if (m?.kind === 'air' && m.fiware) entity[m.fiware] = round(value * m.fiwareScale)
  }
  // A single reading's DAQI is indicative only (DAQI is defined on averaging periods); exported as
  // the sub-index of this interval's means so consumers can colour maps consistently.
  const results = Object.entries(reading.values).flatMap(([f, v]) => (isDaqiPollutant(f) ? [daqi(f, v)] : []))
  const top = overallDaqi(results)
  if (top) {
    entity.airQualityIndex = top.index
    entity.airQualityLevel = top.band.toLowerCase().replace(' ', '')
  }
  if (reading.suspect) entity.reliability = 0.5
  return entity
}

export function trafficFlowObserved(entry: RegisterEntry, reading: ApiReading, sourceUrl: string): Entity[] {
  const start = reading.time
  const end = new Date(Date.parse(start) + (reading.interval ?? 0) * 1000).toISOString()
  const lane = Number(reading.lane ?? '0')
  const base: Entity = {
    type: 'TrafficFlowObserved',
    dateObserved: reading.interval ? `${start}/${end}` : start,
    dateObservedFrom: start,
    dateObservedTo: end,
    ...common(entry, sourceUrl),
  }
  if (entry.usrn) base.refRoadSegment = `urn:ngsi-ld:RoadSegment:usrn:${entry.usrn}`
  if (lane >= 1) base.laneId = lane
  if (reading.direction === 'forward' || reading.direction === 'backward') base.laneDirection = reading.direction
  const idBase = `urn:ngsi-ld:TrafficFlowObserved:${entry.id}:lane${lane}:${reading.direction ?? 'none'}`
  const all: Entity = { id: idBase, ...base }
  if (reading.values.total_vehicles !== undefined) all.intensity = reading.values.total_vehicles
  for (const m of fieldsOf('traffic')) {
    const v = reading.values[m.field]
    if (v !== undefined && m.aggregate === 'mean' && m.fiware) all[m.fiware] = round(v * m.fiwareScale)
  }
  const perClass = fieldsOf('traffic')
    .filter((m) => m.vehicleType && reading.values[m.field] !== undefined)
    .map((m) => ({
      id: `${idBase}:${m.vehicleType}`,
      ...base,
      vehicleType: m.vehicleType,
      intensity: reading.values[m.field],
    }))
  return [all, ...perClass]
}
