/**
 * $filter, $count, $orderby, $skip and $top on the entity sets the register holds, in that
 * order (req/request-data/order). Without $orderby the order is the register's (by sensor id,
 * then field), stable across requests with $top and $skip.
 */
import type { Catalog } from './catalog.js'
import type { Entity } from './model.js'
import { evaluate, passes } from './odata-eval.js'
import { order, type Value } from './odata-values.js'
import { resolvePath } from './paths.js'
import type { OrderItem, QueryOptions } from './query-options.js'

export interface Page {
  items: Entity[]
  count?: number
  /** More items follow this page. */
  more: boolean
}

export function evalContext(catalog: Catalog, entity: Entity, now: number) {
  return { now, resolve: (segs: string[]) => resolvePath(catalog, entity, segs) }
}

/** Sorts by $orderby (nulls first ascending, last descending); equal keys keep their order. */
export function sortEntities(catalog: Catalog, items: Entity[], orderby: OrderItem[], now: number): Entity[] {
  if (orderby.length === 0) return items
  const keyed = items.map((e) => ({
    e,
    keys: orderby.map((o) => evaluate(o.e, evalContext(catalog, e, now)) as Value),
  }))
  keyed.sort((a, b) => {
    for (let i = 0; i < orderby.length; i++) {
      const c = order(a.keys[i]!, b.keys[i]!)
      if (c !== 0) return orderby[i]!.desc ? -c : c
    }
    return 0
  })
  return keyed.map((k) => k.e)
}

export function queryList(catalog: Catalog, list: Entity[], o: QueryOptions, now: number): Page {
  const matching = o.filter ? list.filter((e) => passes(o.filter, evalContext(catalog, e, now))) : list
  const sorted = sortEntities(catalog, matching, o.orderby, now)
  return {
    items: sorted.slice(o.skip, o.skip + o.top),
    ...(o.count ? { count: matching.length } : {}),
    more: o.skip + o.top < sorted.length,
  }
}
