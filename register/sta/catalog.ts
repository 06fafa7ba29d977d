/**
 * Every entity the register gives (all sets but Observations), built once per request from the
 * registry, with the relations between them. Observations come from InfluxDB (observations.ts).
 */
import type { SensorRecord } from '../../registry/index.js'
import { FIELD_MAPPINGS } from '../mappings.js'
import {
  datastreamEntity,
  datastreamFields,
  featureOfInterestEntity,
  historicalLocationEntity,
  locationEntity,
  observedPropertyEntity,
  sensorEntity,
  thingEntity,
} from './entities.js'
import { type Entity, NAVIGATION, type SetName } from './model.js'

type RegistrySet = Exclude<SetName, 'Observations'>

const PER_RECORD: Record<
  Exclude<RegistrySet, 'Datastreams' | 'ObservedProperties'>,
  (r: SensorRecord, page: string) => Entity
> = {
  Things: thingEntity,
  Locations: locationEntity,
  HistoricalLocations: historicalLocationEntity,
  Sensors: sensorEntity,
  FeaturesOfInterest: featureOfInterestEntity,
}

export class Catalog {
  private readonly lists = new Map<RegistrySet, Entity[]>()
  private readonly byId = new Map<RegistrySet, Map<string, Entity>>()
  private dsIndex?: Map<string, Entity[]>

  constructor(
    private readonly records: readonly SensorRecord[],
    /** The register page of a sensor (a Sensor's metadata). */
    private readonly pageOf: (sensorId: string) => string,
  ) {}

  list(set: RegistrySet): Entity[] {
    let list = this.lists.get(set)
    if (!list) {
      list = this.build(set)
      this.lists.set(set, list)
      this.byId.set(set, new Map(list.map((e) => [e.id, e])))
    }
    return list
  }

  get(set: RegistrySet, id: string): Entity | undefined {
    this.list(set)
    return this.byId.get(set)!.get(id)
  }

  private build(set: RegistrySet): Entity[] {
    if (set === 'ObservedProperties') return FIELD_MAPPINGS.map(observedPropertyEntity)
    if (set === 'Datastreams')
      return this.records.flatMap((r) => datastreamFields(r).map((m) => datastreamEntity(r, m)))
    return this.records.map((r) => PER_RECORD[set](r, this.pageOf(r.entry.id)))
  }

  /**
   * The entities a navigation property leads to (not Observations, which are in InfluxDB). The
   * register's sets are one per sensor, so most relations go through the sensor id.
   */
  related(entity: Entity, nav: string): Entity[] {
    const def = NAVIGATION[entity.set][nav]
    if (!def || def.target === 'Observations') return []
    const target = def.target as RegistrySet
    if (entity.set === 'Observations' && nav === 'Datastream') {
      return [this.get('Datastreams', `${entity.record!.entry.id}:${entity.field!.field}`)].filter(
        (e) => e !== undefined,
      )
    }
    if (target === 'ObservedProperties')
      return [this.get('ObservedProperties', entity.field!.field)].filter((e) => e !== undefined)
    if (target === 'Datastreams') return this.datastreamsOf(entity)
    // Things, Locations, HistoricalLocations, Sensors, FeaturesOfInterest: the same sensor's.
    const same = entity.record ? this.get(target, entity.record.entry.id) : undefined
    return same ? [same] : []
  }

  /** Datastreams of a sensor (by sensor id) or of an ObservedProperty (by field), indexed once. */
  private datastreamsOf(entity: Entity): Entity[] {
    if (!this.dsIndex) {
      this.dsIndex = new Map()
      for (const d of this.list('Datastreams')) {
        for (const key of [`sensor:${d.record!.entry.id}`, `field:${d.field!.field}`]) {
          const list = this.dsIndex.get(key) ?? []
          list.push(d)
          this.dsIndex.set(key, list)
        }
      }
    }
    const key = entity.set === 'ObservedProperties' ? `field:${entity.id}` : `sensor:${entity.record?.entry.id}`
    return this.dsIndex.get(key) ?? []
  }
}
