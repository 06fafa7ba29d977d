/**
 * How the plugin answers an error: the one HTTP error body of core/errors.ts (with the licence
 * block), or a page for people who followed a link; validation failures name the parameter.
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { type HttpErrorBody, httpErrorBody, StreetsenseError } from '../core/index.js'
import { schemaErrorField, schemaErrorText } from '../schemas/index.js'
import { licenceBlock } from './licence.js'
import { esc, page } from './pages/html.js'

/** Registers the error handler on the plugin's (encapsulated) instance only. */
export function installErrorReplies(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((error: FastifyError | StreetsenseError, req, reply) => {
    const body = registerErrorBody(error)
    if (body.statusCode >= 500) log.error({ err: error, url: req.url }, 'open data API error')
    else log.debug({ code: body.code, url: req.url }, 'open data API refused a request')
    reply.code(body.statusCode).header('cache-control', 'no-store')
    // Never a Basic challenge: a browser would prompt, then cache the credentials and send them
    // with any later request to this origin, including one a page on another origin makes.
    if (body.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="streetsense admin"')
    if (!req.url.startsWith('/v1/') && (req.headers.accept ?? '').includes('text/html')) {
      // People following a link get a page, not JSON.
      return reply.type('text/html; charset=utf-8').send(errorPage(body.statusCode, body.message))
    }
    return reply.send({ ...body, ...licenceBlock() })
  })
}

function registerErrorBody(error: FastifyError | StreetsenseError): HttpErrorBody {
  if (error instanceof StreetsenseError) return httpErrorBody(error.statusCode, error.code, error.message, error.field)
  const validation = error.validation
  if (validation && validation.length > 0) {
    const first = validation[0]!
    const field = schemaErrorField(first) || 'request'
    return httpErrorBody(400, 'IOT_REGISTER_BAD_PARAM', `${field}: ${schemaErrorText(first)}`, field)
  }
  const status = error.statusCode ?? 500
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
