/**
 * Entities as SensorThings JSON: control information (@iot.id, @iot.selfLink, one
 * <nav>@iot.navigationLink per navigation property, req/datamodel/entity-control-information),
 * the properties $select keeps, and the related entities $expand asks for, inline, with their
 * own options (nested $filter, $select, $orderby, $skip, $top, $count, $expand).
 */
import { StreetsenseError } from '../../core/index.js'
import { requireReadable } from '../data-access.js'
import type { Catalog } from './catalog.js'
import { queryList } from './collection.js'
import { type Entity, NAVIGATION, selfLink } from './model.js'
import { type ObsContext, queryObservations } from './observations.js'
import type { QueryOptions } from './query-options.js'

export interface RenderContext extends ObsContext {
  catalog: Catalog
  root: string
  /** Parents whose Observations this request has expanded so far (each reads InfluxDB). */
  expanded: { observations: number }
}

/** Expanding Observations reads InfluxDB once per parent: no more parents than this per request. */
export const MAX_OBSERVATION_PARENTS = 100

/** A query value percent-encoded, but with OData's punctuation ($ ( ) ; = , ' / : @) left readable. */
function queryValue(v: string): string {
  return encodeURIComponent(v).replace(/%(24|28|29|3B|3D|2C|27|2F|3A|40)/g, (m) => decodeURIComponent(m))
}

/** A link with query options: `$top=2&$skip=4`, values percent-encoded, option names kept readable. */
export function withOptions(base: string, options: Record<string, string | number | undefined>): string {
  const parts = Object.entries(options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${queryValue(String(v))}`)
  return parts.length > 0 ? `${base}?${parts.join('&')}` : base
}

/** The Datastreams whose Observations a parent entity leads to (a Datastream, or a FeatureOfInterest's sensor). */
export function observationScope(catalog: Catalog, parent: Entity): Entity[] {
  if (parent.set === 'Datastreams') return [parent]
  return catalog.related(catalog.get('Things', parent.record!.entry.id)!, 'Datastreams')
}

/** Readings of a sensor the caller may not read are refused when asked for directly. */
export function requireReadableScope(ctx: ObsContext, parent: Entity): void {
  requireReadable(ctx.caller, parent.record!.entry)
}

export async function renderEntity(
  ctx: RenderContext,
  entity: Entity,
  o?: QueryOptions,
): Promise<Record<string, unknown>> {
  const self = selfLink(ctx.root, entity.set, entity.id)
  const select = o?.select
  const wanted = (name: string) => !select || select.includes(name)
  const out: Record<string, unknown> = {}
  if (wanted('@iot.id') || select?.includes('id')) out['@iot.id'] = entity.id
  if (wanted('@iot.selfLink')) out['@iot.selfLink'] = self
  for (const [k, v] of Object.entries(entity.body)) if (wanted(k)) out[k] = v
  for (const nav of Object.keys(NAVIGATION[entity.set])) {
    const expand = o?.expand.get(nav)
    if (expand) await expandInto(ctx, out, entity, nav, expand, self)
    else if (wanted(nav)) out[`${nav}@iot.navigationLink`] = `${self}/${nav}`
  }
  return out
}

export async function renderAll(
  ctx: RenderContext,
  items: Entity[],
  o?: QueryOptions,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = []
  for (const e of items) out.push(await renderEntity(ctx, e, o))
  return out
}

async function expandInto(
  ctx: RenderContext,
  out: Record<string, unknown>,
  entity: Entity,
  nav: string,
  o: QueryOptions,
  self: string,
): Promise<void> {
  const def = NAVIGATION[entity.set][nav]!
  if (!def.many) {
    const [one] = ctx.catalog.related(entity, nav)
    out[nav] = one ? await renderEntity(ctx, one, o) : null
    return
  }
  const page =
    def.target === 'Observations'
      ? await expandedObservations(ctx, entity, o)
      : { ...queryList(ctx.catalog, ctx.catalog.related(entity, nav), o, ctx.now), next: undefined }
  if (page.count !== undefined) out[`${nav}@iot.count`] = page.count
  out[nav] = await renderAll(ctx, page.items, o)
  const more = 'more' in page ? page.more : page.next !== undefined
  if (more) out[`${nav}@iot.nextLink`] = nextLink(`${self}/${nav}`, o, page.next)
}

async function expandedObservations(ctx: RenderContext, entity: Entity, o: QueryOptions) {
  if (++ctx.expanded.observations > MAX_OBSERVATION_PARENTS) {
    throw new StreetsenseError(
      'IOT_REGISTER_BAD_PARAM',
      `$expand of Observations reads InfluxDB once per entity it is expanded in: at most ${MAX_OBSERVATION_PARENTS} per request (use a smaller $top)`,
      '$expand',
    )
  }
  // Expanded in a listing, a Datastream the caller may not read shows no Observations.
  if (!ctx.caller.mayRead(entity.record!.entry)) return { items: [], ...(o.count ? { count: 0 } : {}), next: undefined }
  return queryObservations(ctx, observationScope(ctx.catalog, entity), o)
}

/** The next page's link: the same options with $skip moved on, or the server's $skiptoken. */
export function nextLink(base: string, o: QueryOptions, next?: { skiptoken: string } | { skip: number }): string {
  const given: Record<string, string | number | undefined> = { ...o.given, $top: o.top }
  if (next && 'skiptoken' in next) return withOptions(base, { ...given, $skip: undefined, $skiptoken: next.skiptoken })
  return withOptions(base, {
    ...given,
    $skiptoken: undefined,
    $skip: next && 'skip' in next ? next.skip : o.skip + o.top,
  })
}
