/**
 * The SensorThings data model (OGC 18-088 clause 8) as this service maps the register onto it:
 * entity sets, their properties and their navigation properties. Ids are strings:
 *
 * | entity set | one per | `@iot.id` |
 * |---|---|---|
 * | Things, Locations, HistoricalLocations, Sensors, FeaturesOfInterest | register entry | the sensor id |
 * | Datastreams | measured field of an entry | `<sensor id>:<field>` |
 * | ObservedProperties | field of the shared schema | the field name (`pm2_5`) |
 * | Observations | value of a reading | `<datastream id>@<epoch ms>` (traffic: `@<lane>-<direction>` after it) |
 */
import type { SensorRecord } from '../../registry/index.js'
import type { FieldMapping } from '../mappings.js'

export const ENTITY_SETS = [
  'Things',
  'Locations',
  'HistoricalLocations',
  'Datastreams',
  'Sensors',
  'ObservedProperties',
  'Observations',
  'FeaturesOfInterest',
] as const
export type SetName = (typeof ENTITY_SETS)[number]

export interface NavDef {
  target: SetName
  many: boolean
}

const one = (target: SetName): NavDef => ({ target, many: false })
const many = (target: SetName): NavDef => ({ target, many: true })

/** Navigation properties of each entity set (Tables of OGC 18-088 8.2). */
export const NAVIGATION: Record<SetName, Record<string, NavDef>> = {
  Things: {
    Locations: many('Locations'),
    HistoricalLocations: many('HistoricalLocations'),
    Datastreams: many('Datastreams'),
  },
  Locations: { Things: many('Things'), HistoricalLocations: many('HistoricalLocations') },
  HistoricalLocations: { Thing: one('Things'), Locations: many('Locations') },
  Datastreams: {
    Thing: one('Things'),
    Sensor: one('Sensors'),
    ObservedProperty: one('ObservedProperties'),
    Observations: many('Observations'),
  },
  Sensors: { Datastreams: many('Datastreams') },
  ObservedProperties: { Datastreams: many('Datastreams') },
  Observations: { Datastream: one('Datastreams'), FeatureOfInterest: one('FeaturesOfInterest') },
  FeaturesOfInterest: { Observations: many('Observations') },
}

/** Properties of each entity set (mandatory and optional, whether or not this service fills them). */
export const PROPERTIES: Record<SetName, readonly string[]> = {
  Things: ['name', 'description', 'properties'],
  Locations: ['name', 'description', 'encodingType', 'location', 'properties'],
  HistoricalLocations: ['time'],
  Datastreams: [
    'name',
    'description',
    'unitOfMeasurement',
    'observationType',
    'properties',
    'observedArea',
    'phenomenonTime',
    'resultTime',
  ],
  Sensors: ['name', 'description', 'encodingType', 'metadata', 'properties'],
  ObservedProperties: ['name', 'definition', 'description', 'properties'],
  Observations: ['phenomenonTime', 'result', 'resultTime', 'resultQuality', 'validTime', 'parameters'],
  FeaturesOfInterest: ['name', 'description', 'encodingType', 'feature', 'properties'],
}

/** Properties holding ISO 8601 times or intervals, compared as times in $filter. */
export const TIME_PROPERTIES = new Set(['time', 'phenomenonTime', 'resultTime', 'validTime'])
/** Properties holding GeoJSON, used as geometries in $filter. */
export const GEO_PROPERTIES = new Set(['location', 'feature', 'observedArea'])

/** One row of InfluxDB as an Observation's source. */
export interface ObservationRow {
  time: number
  interval?: number
  result: number
  lane?: string
  direction?: string
  suspect?: boolean
  flags?: string
}

export interface Entity {
  set: SetName
  id: string
  /** The STA properties, as served (control information is added when rendered). */
  body: Record<string, unknown>
  /** The register entry behind it (every set except ObservedProperties). */
  record?: SensorRecord
  /** The field behind it (Datastreams, ObservedProperties, Observations). */
  field?: FieldMapping
  row?: ObservationRow
}

export function isEntitySet(name: string): name is SetName {
  return (ENTITY_SETS as readonly string[]).includes(name)
}

/** An id in a resource path: always quoted, quotes doubled (OData string key). */
export function keyLiteral(id: string): string {
  return `'${id.replace(/'/g, "''")}'`
}

export function selfLink(root: string, set: SetName, id: string): string {
  return `${root}/${set}(${encodeURI(keyLiteral(id)).replace(/#/g, '%23').replace(/\?/g, '%3F')})`
}
