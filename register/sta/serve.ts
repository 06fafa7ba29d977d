/**
 * One SensorThings read request: resolve the resource path, check the query options for what it
 * addresses, and answer (OGC 18-088 9.2 usages 1-8, 9.3 request-data): collections as
 * `{ "@iot.count"?, "value": [...], "@iot.nextLink"? }`, an entity as its JSON, a property as
 * `{ "<name>": value }` (204 when null), `$value` as text, `$ref` as selfLinks.
 */
import { badParam } from '../params.js'
import { queryList } from './collection.js'
import { ENTITY_SETS, type Entity, selfLink } from './model.js'
import { type ObsPage, queryObservations } from './observations.js'
import { parseQueryOptions, type QueryOptions } from './query-options.js'
import { nextLink, observationScope, type RenderContext, renderAll, renderEntity } from './render.js'
import { resolvePath, type Target } from './resource-path.js'

export interface StaAnswer {
  status: number
  body?: unknown
  /** text/plain for $value; JSON otherwise. */
  text?: boolean
  /** The licence of the data answered, when it is one sensor's. */
  licence?: string
}

const CONFORMANCE = 'http://www.opengis.net/spec/iot_sensing/1.1/req/'
/** What this service implements in full (serverSettings.conformance, req/resource-path usage 1). */
export const CONFORMANCE_CLASSES = [
  'datamodel',
  'resource-path/resource-path-to-entities',
  'request-data/order',
  'request-data/expand',
  'request-data/select',
  'request-data/status-code',
  'request-data/query-status-code',
  'request-data/orderby',
  'request-data/top',
  'request-data/skip',
  'request-data/count',
  'request-data/filter',
  'request-data/built-in-filter-operations',
  'request-data/pagination',
].map((c) => `${CONFORMANCE}${c}`)

export function landingPage(root: string) {
  return {
    serverSettings: { conformance: CONFORMANCE_CLASSES },
    value: ENTITY_SETS.map((name) => ({ name, url: `${root}/${name}` })),
  }
}

function onlyEntityOptions(o: QueryOptions, what: string): void {
  for (const name of ['$top', '$skip', '$count', '$filter', '$orderby', '$skiptoken']) {
    if (o.given[name] !== undefined) throw badParam(name, `applies to collections, and ${what} is one entity`)
  }
}

export async function serveSta(ctx: RenderContext, path: string, query: Record<string, unknown>): Promise<StaAnswer> {
  const target = await resolvePath(ctx, path)
  if (target.kind === 'property') return property(target, query)
  const set = target.kind === 'entity' ? target.entity.set : target.set
  const o = parseQueryOptions(query, set)
  if (target.ref && (o.select || o.expand.size > 0))
    throw badParam(o.select ? '$select' : '$expand', 'does not apply to $ref')
  if (target.kind === 'entity') {
    onlyEntityOptions(o, path)
    const e = target.entity
    const body = target.ref ? { '@iot.selfLink': selfLink(ctx.root, e.set, e.id) } : await renderEntity(ctx, e, o)
    return { status: 200, body, licence: e.record?.entry.licence }
  }
  const page = await collectionPage(ctx, target, o)
  const value = target.ref
    ? page.items.map((e) => ({ '@iot.selfLink': selfLink(ctx.root, e.set, e.id) }))
    : await renderAll(ctx, page.items, o)
  const body: Record<string, unknown> = {}
  if (page.count !== undefined) body['@iot.count'] = page.count
  body.value = value
  if (page.next) body['@iot.nextLink'] = nextLink(`${ctx.root}/${path.replace(/\/+$/, '')}`, o, page.next)
  return { status: 200, body, licence: target.parent?.record?.entry.licence }
}

async function collectionPage(
  ctx: RenderContext,
  t: Extract<Target, { kind: 'collection' }>,
  o: QueryOptions,
): Promise<ObsPage> {
  if (t.set === 'Observations') {
    const scope = t.parent ? observationScope(ctx.catalog, t.parent) : ctx.catalog.list('Datastreams')
    return queryObservations(
      ctx,
      scope.filter((d) => ctx.caller.mayRead(d.record!.entry)),
      o,
    )
  }
  if (o.skiptoken !== undefined) throw badParam('$skiptoken', 'pages Observations only')
  const list: Entity[] = t.parent ? ctx.catalog.related(t.parent, t.nav!) : ctx.catalog.list(t.set)
  const page = queryList(ctx.catalog, list, o, ctx.now)
  return { items: page.items, count: page.count, ...(page.more ? { next: { skip: o.skip + o.top } } : {}) }
}

function property(t: Extract<Target, { kind: 'property' }>, query: Record<string, unknown>): StaAnswer {
  const given = Object.keys(query)
  if (given.length > 0) throw badParam(given[0]!, 'no query option applies to a property')
  let v: unknown = t.entity.body
  for (const name of t.path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[name] : undefined
  const licence = t.entity.record?.entry.licence
  if (v === undefined || v === null) return { status: 204, licence }
  if (!t.raw) return { status: 200, body: { [t.path[t.path.length - 1]!]: v }, licence }
  if (typeof v === 'object')
    throw badParam('$value', `${t.path.join('/')} is not a primitive value: ask for it without /$value`)
  return { status: 200, body: String(v), text: true, licence }
}
