/**
 * Cache-control on every reply of the plugin (the admin API is never cached), and a weak ETag on
 * successful public GETs so that clients revalidate with If-None-Match and get a 304. Replies
 * that set their own ETag (the register's, from its change counter: register-cache.ts) keep it.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

function isAdmin(req: FastifyRequest): boolean {
  return req.url.startsWith('/v1/admin')
}

function setCacheControl(req: FastifyRequest, reply: FastifyReply): void {
  if (reply.hasHeader('cache-control')) return
  reply.header('cache-control', isAdmin(req) ? 'no-store' : reply.statusCode < 400 ? 'public, max-age=30' : 'no-cache')
}

function takesEtag(req: FastifyRequest, reply: FastifyReply, payload: unknown): payload is string | Buffer {
  if (isAdmin(req) || (req.method !== 'GET' && req.method !== 'HEAD') || reply.statusCode !== 200) return false
  return typeof payload === 'string' || Buffer.isBuffer(payload)
}

/** Adds a header name to Vary, keeping what is there. */
export function addVary(reply: FastifyReply, name: string): void {
  const current = String(reply.getHeader('vary') ?? '')
  const names = current ? current.split(',').map((v) => v.trim()) : []
  if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) reply.header('vary', [...names, name].join(', '))
}

/**
 * Registers the hook on the plugin's (encapsulated) instance only. Without a configured public
 * base URL, links in bodies follow the request's Host header, so every reply varies by Host: a
 * shared cache must not hand a body built for one Host to a request for another.
 */
export function installCaching(app: FastifyInstance, opts: { linksFollowHost: boolean }): void {
  app.addHook('onSend', async (req, reply, payload) => {
    setCacheControl(req, reply)
    if (opts.linksFollowHost) addVary(reply, 'Host')
    if (reply.hasHeader('etag') || !takesEtag(req, reply, payload)) return payload
    const etag = `W/"${createHash('sha1').update(payload).digest('base64url')}"`
    reply.header('etag', etag)
    const match = req.headers['if-none-match']
    if (match?.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
      reply.code(304)
      return ''
    }
    return payload
  })
}
