/**
 * The register as SensorThings entities: what each entity says (its properties), built from a
 * register entry, a field of the mapping table, or a row of InfluxDB. Control information
 * (@iot.id, @iot.selfLink, navigation links) is added when an entity is rendered (render.ts).
 */

import type { SensorRecord } from '../../registry/index.js'
import { boroughName } from '../../schemas/index.js'
import { type FieldMapping, fieldMapping, unitName } from '../mappings.js'
import { isOpenData, pointOf } from '../public-entry.js'
import type { Entity, ObservationRow } from './model.js'

const OBS_TYPE = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/'

const point = (record: SensorRecord) => pointOf(record.entry)

/** An entity of a set that has one entity per register entry (its id is the sensor id). */
const perSensor = (set: Entity['set'], record: SensorRecord, body: Record<string, unknown>): Entity => ({
  set,
  id: record.entry.id,
  record,
  body,
})

export function thingEntity(record: SensorRecord): Entity {
  const e = record.entry
  return perSensor('Things', record, {
    name: e.name,
    description: e.purpose,
    properties: {
      borough: e.borough,
      boroughName: boroughName(e.borough),
      kind: e.kind,
      operator: e.operator.name,
      status: e.status,
      openData: isOpenData(e),
      licence: e.licence,
      personalData: e.personal_data,
      ...(e.uprn ? { uprn: e.uprn } : {}),
      ...(e.usrn ? { usrn: e.usrn } : {}),
    },
  })
}

export function locationEntity(record: SensorRecord): Entity {
  const e = record.entry
  return perSensor('Locations', record, {
    name: e.address ?? e.name,
    description: `Where ${e.name} is mounted`,
    encodingType: 'application/geo+json',
    location: point(record),
  })
}

/** The register keeps a sensor's current location only: one HistoricalLocation, when the entry was last written. */
export function historicalLocationEntity(record: SensorRecord): Entity {
  return perSensor('HistoricalLocations', record, { time: record.updatedAt })
}

export function sensorEntity(record: SensorRecord, pageUrl: string): Entity {
  const e = record.entry
  return perSensor('Sensors', record, {
    name: e.hardware?.model ?? e.technology ?? `${e.kind} sensor`,
    description: (e.hardware?.sensors ?? []).join(', ') || `The ${e.kind} sensor of ${e.name}`,
    encodingType: 'text/html',
    metadata: pageUrl,
    ...(e.hardware ? { properties: { ...e.hardware } } : {}),
  })
}

export function featureOfInterestEntity(record: SensorRecord): Entity {
  const e = record.entry
  return perSensor('FeaturesOfInterest', record, {
    name: e.name,
    description: e.kind === 'air' ? `The air at ${e.name}` : `The street at ${e.name}`,
    encodingType: 'application/geo+json',
    feature: point(record),
  })
}

export function observedPropertyEntity(m: FieldMapping): Entity {
  return {
    set: 'ObservedProperties',
    id: m.field,
    field: m,
    body: {
      name: m.label,
      definition: m.definition,
      description: m.label,
      properties: { field: m.field, kind: m.kind },
    },
  }
}

/** Fields that have a Datastream: what the entry measures, plus total_vehicles for traffic. */
export function datastreamFields(record: SensorRecord): FieldMapping[] {
  const fields: string[] = [...record.entry.measures]
  if (record.entry.kind === 'traffic') fields.push('total_vehicles')
  return fields.flatMap((f) => {
    const m = fieldMapping(f)
    return m ? [m] : []
  })
}

export function datastreamEntity(record: SensorRecord, m: FieldMapping): Entity {
  const e = record.entry
  return {
    set: 'Datastreams',
    id: `${e.id}:${m.field}`,
    record,
    field: m,
    body: {
      name: `${m.label} at ${e.name}`,
      description: `${m.label} measured by ${e.id}, ${m.aggregate === 'sum' ? 'counted' : 'averaged'} per reading interval`,
      unitOfMeasurement: {
        name: unitName(m),
        symbol: m.ucum,
        definition: `http://unitsofmeasure.org/ucum.html#${encodeURIComponent(m.ucum)}`,
      },
      observationType: `${OBS_TYPE}${m.observationType}`,
      properties: { field: m.field, aggregation: m.aggregate, openData: isOpenData(e) },
    },
  }
}

/** An Observation's id: its Datastream, the start of its interval, and for traffic its lane and direction. */
export function observationId(datastreamId: string, row: Pick<ObservationRow, 'time' | 'lane' | 'direction'>): string {
  const lane = row.lane !== undefined ? `@${row.lane}-${row.direction ?? 'none'}` : ''
  return `${datastreamId}@${row.time}${lane}`
}

export function parseObservationId(
  id: string,
): { datastream: string; time: number; lane?: string; direction?: string } | undefined {
  const m = /^(.+)@(\d{1,16})(?:@(\d{1,2})-([a-z]+))?$/.exec(id)
  if (!m) return undefined
  return { datastream: m[1]!, time: Number(m[2]), ...(m[3] ? { lane: m[3], direction: m[4] } : {}) }
}

export function observationEntity(datastream: Entity, row: ObservationRow): Entity {
  const start = new Date(row.time).toISOString()
  const end = row.interval ? new Date(row.time + row.interval * 1000).toISOString() : undefined
  const body: Record<string, unknown> = {
    phenomenonTime: end ? `${start}/${end}` : start,
    resultTime: end ?? start,
    result: row.result,
  }
  if (row.suspect || row.flags) {
    body.resultQuality = { suspect: row.suspect === true, flags: (row.flags ?? '').split(',').filter(Boolean) }
  }
  if (row.lane !== undefined) body.parameters = { lane: row.lane, direction: row.direction }
  return {
    set: 'Observations',
    id: observationId(datastream.id, row),
    record: datastream.record,
    field: datastream.field,
    row,
    body,
  }
}
