/**
 * Resource paths of OGC 18-088 9.2 (req/resource-path/resource-path-to-entities): an entity set,
 * an entity `Set('id')`, a property, a property's `$value`, a navigation property (also with an
 * id, and nested), and `$ref` association links. Resolution reads the register only; an
 * Observation addressed by id is read from InfluxDB.
 */
import { StreetsenseError } from '../../core/index.js'
import type { Catalog } from './catalog.js'
import { parseObservationId } from './entities.js'
import { ENTITY_SETS, type Entity, isEntitySet, NAVIGATION, PROPERTIES, type SetName } from './model.js'
import { type ObsContext, observationById } from './observations.js'
import { requireReadableScope } from './render.js'

export interface Segment {
  name: string
  key?: string
}

export type Target =
  | { kind: 'collection'; set: SetName; parent?: Entity; nav?: string; ref: boolean }
  | { kind: 'entity'; entity: Entity; ref: boolean }
  | { kind: 'property'; entity: Entity; path: string[]; raw: boolean }

const SEGMENT = /^([A-Za-z$][A-Za-z0-9_$]*)(?:\((?:'((?:[^']|'')*)'|([^)'/]*))\))?$/

export function notFound(what: string): StreetsenseError {
  return new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no SensorThings resource ${what}`)
}

export function parseSegments(path: string): Segment[] {
  const parts = path.replace(/\/+$/, '').split('/')
  return parts.map((part) => {
    const m = SEGMENT.exec(part)
    if (!m) throw notFound(`${path} (segment '${part}' is not Name or Name('id'))`)
    const key = m[2] !== undefined ? m[2].replace(/''/g, "'") : m[3]
    return { name: m[1]!, ...(key !== undefined ? { key } : {}) }
  })
}

/** An entity of a set by id: from the register, or for an Observation from InfluxDB. */
async function entityById(
  ctx: ObsContext & { catalog: Catalog },
  set: SetName,
  id: string,
): Promise<Entity | undefined> {
  if (set !== 'Observations') return ctx.catalog.get(set, id)
  const parsed = parseObservationId(id)
  const ds = parsed && ctx.catalog.get('Datastreams', parsed.datastream)
  if (!parsed || !ds) return undefined
  requireReadableScope(ctx, ds)
  return observationById(ctx, ds, parsed)
}

export async function resolvePath(ctx: ObsContext & { catalog: Catalog }, path: string): Promise<Target> {
  const segs = parseSegments(path)
  const first = segs[0]!
  if (!isEntitySet(first.name))
    throw notFound(`${path}: ${first.name} is not an entity set (${ENTITY_SETS.join(', ')})`)
  let target: Target = { kind: 'collection', set: first.name, ref: false }
  if (first.key !== undefined) target = await keyed(ctx, target, first.key, path)
  for (const seg of segs.slice(1)) target = await step(ctx, target, seg, path)
  return target
}

async function keyed(
  ctx: ObsContext & { catalog: Catalog },
  c: Extract<Target, { kind: 'collection' }>,
  key: string,
  path: string,
): Promise<Target> {
  if (c.parent) {
    const inScope =
      c.set === 'Observations'
        ? await entityById(ctx, c.set, key)
        : ctx.catalog.related(c.parent, c.nav!).find((e) => e.id === key)
    const ok = inScope && (c.set !== 'Observations' || belongsTo(inScope, c.parent))
    if (!ok) throw notFound(`${path}: no ${c.set}('${key}') there`)
    return { kind: 'entity', entity: inScope, ref: false }
  }
  const entity = await entityById(ctx, c.set, key)
  if (!entity) throw notFound(`${path}: no ${c.set}('${key}')`)
  return { kind: 'entity', entity, ref: false }
}

/** Whether an Observation belongs to the Datastream or FeatureOfInterest it was addressed under. */
function belongsTo(obs: Entity, parent: Entity): boolean {
  if (parent.set === 'Datastreams') return parent.id === `${obs.record!.entry.id}:${obs.field!.field}`
  return parent.record?.entry.id === obs.record!.entry.id
}

async function step(ctx: ObsContext & { catalog: Catalog }, t: Target, seg: Segment, path: string): Promise<Target> {
  if (seg.name === '$ref' && t.kind !== 'property' && !t.ref) return { ...t, ref: true }
  if (seg.name === '$value' && t.kind === 'property' && !t.raw) return { ...t, raw: true }
  if (t.kind === 'collection' || ('ref' in t && t.ref) || (t.kind === 'property' && t.raw)) {
    throw notFound(
      `${path}: nothing can follow ${seg.name === '$count' ? 'a collection ($count is a query option: ?$count=true)' : 'here'}`,
    )
  }
  if (t.kind === 'property') {
    if (seg.key !== undefined) throw notFound(path)
    return { ...t, path: [...t.path, seg.name] }
  }
  const entity = t.entity
  const nav = NAVIGATION[entity.set][seg.name]
  if (nav) {
    if (nav.target === 'Observations') requireReadableScope(ctx, entity)
    if (nav.many) {
      const c: Target = { kind: 'collection', set: nav.target, parent: entity, nav: seg.name, ref: false }
      return seg.key === undefined ? c : keyed(ctx, c, seg.key, path)
    }
    const [one] = ctx.catalog.related(entity, seg.name)
    if (!one || seg.key !== undefined) throw notFound(path)
    return { kind: 'entity', entity: one, ref: false }
  }
  if (seg.key === undefined && PROPERTIES[entity.set].includes(seg.name))
    return { kind: 'property', entity, path: [seg.name], raw: false }
  throw notFound(`${path}: ${entity.set} has no property or navigation property ${seg.name}`)
}
