/**
 * What every streetsense HTTP service sends with every reply, and its OpenAPI pages. Used by the
 * ingest's intake and by the register (through ingest/index.ts). Headers:
 * - `X-Content-Type-Options: nosniff`: a body is only ever what its content type says;
 * - `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no page can be framed (clickjacking);
 * - `Referrer-Policy: no-referrer`: links out (to a council's DPIA) do not carry our URLs;
 * - a Content-Security-Policy: for our pages, scripts, styles and images from this origin only,
 *   no inline script or style; for the OpenAPI pages (swagger-ui sets styles inline) the same
 *   with inline styles; for everything else (JSON, CSV) nothing at all may load.
 */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

const BASE = "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
export const PAGE_CSP = `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; ${BASE}`
export const DOCS_CSP = `default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; ${BASE}`
export const DATA_CSP = "default-src 'none'; frame-ancestors 'none'"

const DOCS = '/docs'

/** The security headers on every reply of `app` (call before registering the routes). */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('x-frame-options', 'DENY')
    reply.header('referrer-policy', 'no-referrer')
    const html = String(reply.getHeader('content-type') ?? '').startsWith('text/html')
    const csp = req.url === DOCS || req.url.startsWith(`${DOCS}/`) ? DOCS_CSP : html ? PAGE_CSP : DATA_CSP
    reply.header('content-security-policy', csp)
    return payload
  })
}

/**
 * The OpenAPI document at /docs/json and swagger-ui at /docs. swagger-ui redirects
 * /docs/static/index.html to /docs/ only without a query string: with one it redirected to
 * itself forever, so such a request goes to /docs/ here first.
 */
export async function installApiDocs(app: FastifyInstance, openapi: Record<string, unknown>): Promise<void> {
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith(`${DOCS}/static/index.html?`)) return reply.redirect(`${DOCS}/`)
  })
  await app.register(swagger, { openapi })
  await app.register(swaggerUi, { routePrefix: DOCS })
}
