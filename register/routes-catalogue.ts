/**
 * The DCAT-AP catalogue (JSON-LD) of the open data, for data portals to harvest: GET /v1/catalogue
 * and the conventional /catalog.jsonld. It lists the datasets of the sensors the caller may read
 * and the archive files that may be served (docs/api.md, "Catalogue").
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { type ApiContext, baseUrl, type OpenDataApp } from './api-context.js'
import { dcatCatalogue } from './catalogue/dcat.js'
import { isOpenData } from './public-entry.js'
import { servableArchives } from './routes-archives.js'

const CATALOGUE = {
  tags: ['catalogue'],
  summary: 'DCAT-AP 3.0 catalogue (JSON-LD) of the datasets: London and each borough, with every distribution',
} as const

export function registerCatalogueRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/catalogue', { schema: CATALOGUE }, (req, reply) => catalogue(ctx, req, reply))
  app.get('/catalog.jsonld', { schema: { ...CATALOGUE, hide: true } }, (req, reply) => catalogue(ctx, req, reply))
}

function catalogue(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply) {
  const entries = ctx.registry.listSensors().filter((r) => isOpenData(r.entry))
  const body = dcatCatalogue({
    base: baseUrl(ctx, req),
    entries,
    archives: servableArchives(ctx),
    publisher: ctx.cataloguePublisher ?? 'London street sensor register',
  })
  return reply.type('application/ld+json; charset=utf-8').send(JSON.stringify(body))
}
