/**
 * Unknown query parameters are a 400 naming them, on every route of the plugin: a client that
 * sends `format=csv` where the route has no such parameter learns it, instead of getting JSON it
 * did not ask for. A route's parameters are its querystring schema's properties; a route with no
 * querystring schema takes none. Routes whose schema allows other properties (SensorThings, whose
 * parser names unknown options itself and answers 501 for OData options it does not implement)
 * and the HTML pages (links are shared with tracking parameters such as utm_source) opt out.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { badParam } from './params.js'

interface QuerySchema {
  properties?: Record<string, unknown>
  additionalProperties?: unknown
}

/** Route config of a route that ignores parameters it does not know (HTML pages). */
export const LENIENT_QUERY = { lenientQuery: true } as const

function unknownParams(req: FastifyRequest): { unknown: string[]; known: string[] } | undefined {
  if ((req.routeOptions.config as { lenientQuery?: boolean } | undefined)?.lenientQuery) return undefined
  const schema = req.routeOptions.schema?.querystring as QuerySchema | undefined
  if (schema && schema.additionalProperties !== false) return undefined
  const known = Object.keys(schema?.properties ?? {})
  const unknown = Object.keys((req.query ?? {}) as object).filter((k) => !known.includes(k))
  return unknown.length > 0 ? { unknown, known } : undefined
}

export function installQueryGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const found = unknownParams(req)
    if (!found) return
    const takes = found.known.length > 0 ? `this route takes ${found.known.join(', ')}` : 'this route takes none'
    const what =
      found.unknown.length > 1 ? `unknown query parameters (${found.unknown.join(', ')})` : 'unknown query parameter'
    throw badParam(found.unknown[0]!, `${what}; ${takes}`)
  })
}
