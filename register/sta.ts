/**
 * A minimal read-only OGC SensorThings API (v1.1 shapes): Things (one per register entry, with its
 * Location inline), Datastreams (one per measured field, named and unit-ed from mappings.ts),
 * Observations (from InfluxDB). Ids are strings: Things('camden-aq-0042'), Datastreams('camden-aq-0042:pm2_5').
 */

import type { RegisterEntry } from '../schemas/index.js'
import { boroughName } from '../schemas/index.js'
import { type FieldMapping, fieldMapping, unitName } from './mappings.js'

const OBS_TYPE = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/'

export function staId(id: string): string {
  return `'${id.replace(/'/g, "''")}'`
}

export function thing(entry: RegisterEntry, root: string) {
  const self = `${root}/Things(${staId(entry.id)})`
  return {
    '@iot.id': entry.id,
    '@iot.selfLink': self,
    name: entry.name,
    description: entry.purpose,
    properties: {
      borough: entry.borough,
      boroughName: boroughName(entry.borough),
      kind: entry.kind,
      operator: entry.operator.name,
      status: entry.status,
      personalData: entry.personal_data,
      licence: entry.licence,
      uprn: entry.uprn,
      usrn: entry.usrn,
    },
    Locations: [
      {
        '@iot.id': `${entry.id}:location`,
        name: entry.address ?? entry.name,
        description: `Where ${entry.name} is mounted`,
        encodingType: 'application/geo+json',
        location: { type: 'Point', coordinates: [...entry.location.coordinates] },
      },
    ],
    'Datastreams@iot.navigationLink': `${self}/Datastreams`,
    'Locations@iot.navigationLink': `${self}/Locations`,
  }
}

/** Fields that have a Datastream: what the entry measures, plus total_vehicles for traffic. */
export function datastreamFields(entry: RegisterEntry): FieldMapping[] {
  const fields: string[] = [...entry.measures]
  if (entry.kind === 'traffic') fields.push('total_vehicles')
  return fields.flatMap((f) => {
    const m = fieldMapping(f)
    return m ? [m] : []
  })
}

export function datastream(entry: RegisterEntry, m: FieldMapping, root: string) {
  const id = `${entry.id}:${m.field}`
  const self = `${root}/Datastreams(${staId(id)})`
  return {
    '@iot.id': id,
    '@iot.selfLink': self,
    name: `${m.label} at ${entry.name}`,
    description: `${m.label} measured by ${entry.id}, ${m.aggregate === 'sum' ? 'counted' : 'averaged'} per reading interval`,
    unitOfMeasurement: {
      name: unitName(m),
      symbol: m.ucum,
      definition: `http://unitsofmeasure.org/ucum.html#${encodeURIComponent(m.ucum)}`,
    },
    observationType: `${OBS_TYPE}${m.observationType}`,
    ObservedProperty: { name: m.field, definition: m.definition, description: m.label },
    Sensor: {
      name: entry.hardware?.model ?? entry.technology ?? entry.kind,
      description: (entry.hardware?.sensors ?? []).join(', ') || `${entry.kind} sensor`,
      encodingType: 'text/html',
      metadata: `${root.replace(/\/v1\/sta$/, '')}/sensors/${encodeURIComponent(entry.id)}`,
    },
    'Thing@iot.navigationLink': `${root}/Things(${staId(entry.id)})`,
    'Observations@iot.navigationLink': `${self}/Observations`,
  }
}

export function observation(datastreamId: string, time: string, intervalS: number | undefined, result: number) {
  const end = intervalS ? new Date(Date.parse(time) + intervalS * 1000).toISOString() : undefined
  return {
    '@iot.id': `${datastreamId}:${Date.parse(time)}`,
    phenomenonTime: end ? `${time}/${end}` : time,
    resultTime: end ?? time,
    result,
  }
}

/** Parses a resource path after /v1/sta/: Collection, Collection(id), Collection(id)/Nav. */
export function parseStaPath(path: string): { collection: string; id?: string; nav?: string } | undefined {
  const m = /^([A-Za-z]+)(?:\((?:'((?:[^']|'')*)'|([^)'/]+))\))?(?:\/([A-Za-z]+))?\/?$/.exec(path)
  if (!m) return undefined
  const id = m[2] !== undefined ? m[2].replace(/''/g, "'") : m[3]
  return { collection: m[1]!, id, nav: m[4] }
}
