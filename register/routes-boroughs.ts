/** GET /v1/boroughs: the codes and names that every `borough` parameter accepts, with their sensor counts. */
import { BOROUGHS } from '../schemas/index.js'
import type { ApiContext, OpenDataApp } from './api-context.js'
import { licenceBlock } from './licence.js'

const LIST_BOROUGHS = {
  tags: ['open data'],
  summary: "London's 33 boroughs: the codes and names the borough parameter accepts, and how many sensors each has",
} as const

export function registerBoroughRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/boroughs', { schema: LIST_BOROUGHS }, () => {
    const counts = new Map<string, number>()
    for (const r of ctx.registry.listSensors()) counts.set(r.entry.borough, (counts.get(r.entry.borough) ?? 0) + 1)
    const boroughs = Object.entries(BOROUGHS).map(([code, name]) => ({ code, name, sensors: counts.get(code) ?? 0 }))
    return { count: boroughs.length, boroughs, ...licenceBlock() }
  })
}
