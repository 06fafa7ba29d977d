/** Cross-cutting HTTP behaviour of the open data API: licence, ETag, caching, error bodies. */
import { createHash } from 'node:crypto'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { type HttpErrorBody, httpErrorBody, StreetsenseError } from '../core/index.js'
import type { InfluxReader } from './influx-read.js'
import { DEFAULT_LICENCE, licenceInfo } from './mappings.js'
import { esc, page } from './pages/html.js'
import type { RegisterStore, SensorStatsSource } from './source.js'

export interface ApiContext {
  registry: RegisterStore
  influx: InfluxReader
  stats?: SensorStatsSource
  log: Logger
  publicBaseUrl?: string
  liveRefreshSeconds: number
  now(): number
}

export function baseUrl(ctx: ApiContext, req: FastifyRequest): string {
  return (ctx.publicBaseUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '')
}

/** The licence block every JSON body carries. */
export function licenceBlock(id: string = DEFAULT_LICENCE) {
  const l = licenceInfo(id)
  return { licence: { id: l.id, name: l.name, url: l.url }, attribution: l.attribution }
}

export function setLicence(reply: FastifyReply, id: string = DEFAULT_LICENCE): void {
  const l = licenceInfo(id)
  reply.header('x-licence', l.id)
  reply.header('link', `<${l.url}>; rel="license"; title="${l.name}"`)
  reply.header('x-attribution', l.attribution)
}

/** Registers the hooks on the plugin's (encapsulated) instance only. */
export function installHttpCommon(app: FastifyInstance, log: Logger): void {
  app.addHook('onRequest', async (_req, reply) => {
    setLicence(reply)
  })
  app.addHook('onSend', async (req, reply, payload) => {
    const isAdmin = req.url.startsWith('/v1/admin')
    if (!reply.hasHeader('cache-control')) {
      reply.header('cache-control', isAdmin ? 'no-store' : reply.statusCode < 400 ? 'public, max-age=30' : 'no-cache')
    }
    if (isAdmin || (req.method !== 'GET' && req.method !== 'HEAD') || reply.statusCode !== 200) return payload
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload
    const etag = `W/"${createHash('sha1').update(payload).digest('base64url')}"`
    reply.header('etag', etag)
    const match = req.headers['if-none-match']
    if (match?.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
      reply.code(304)
      return ''
    }
    return payload
  })
  app.setErrorHandler((error: FastifyError | StreetsenseError, req, reply) => {
    const body = registerErrorBody(error)
    if (body.statusCode >= 500) log.error({ err: error, url: req.url }, 'open data API error')
    else log.debug({ code: body.code, url: req.url }, 'open data API refused a request')
    reply.code(body.statusCode).header('cache-control', 'no-store')
    if (body.statusCode === 401) reply.header('www-authenticate', 'Basic realm="streetsense admin"')
    if (!req.url.startsWith('/v1/') && (req.headers.accept ?? '').includes('text/html')) {
      // People following a link get a page, not JSON.
      return reply.type('text/html; charset=utf-8').send(errorPage(body.statusCode, body.message))
    }
    return reply.send({ ...body, ...licenceBlock() })
  })
}

function registerErrorBody(error: FastifyError | StreetsenseError): HttpErrorBody {
  if (error instanceof StreetsenseError) return httpErrorBody(error.statusCode, error.code, error.message, error.field)
  const validation = (error as FastifyError).validation
  if (validation && validation.length > 0) {
    const first = validation[0]!
    const missing = (first.params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {}
    const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.')
    const field = missing.missingProperty ?? missing.additionalProperty ?? (path || 'request')
    return httpErrorBody(400, 'IOT_REGISTER_BAD_PARAM', `${field}: ${first.message ?? 'invalid'}`, field)
  }
  const status = (error as FastifyError).statusCode ?? 500
  if (status === 429) return httpErrorBody(429, 'IOT_REGISTER_RATE_LIMITED', error.message)
  if (status < 500) return httpErrorBody(status, 'IOT_REGISTER_BAD_PARAM', error.message, 'request')
  return httpErrorBody(500, 'IOT_REGISTER_INTERNAL', 'internal error')
}

function errorPage(status: number, message: string): string {
  const title = status === 404 ? 'Sensor not found' : 'Something went wrong'
  return page({
    title,
    body: `<h1>${title}</h1><p>${esc(message)}</p><p><a href="/">Back to the map and list of sensors</a></p>`,
  })
}
