/**
 * Replies that depend on the register alone (the register page, /v1/sensors in every format) are
 * rendered once per register version and representation, then served from memory. The ETag is
 * built from the registry's change counter and the representation, so a revalidation with
 * If-None-Match is answered 304 before anything is read or rendered; the cache is bounded in
 * bytes and drops the least recently used replies first.
 */
import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ApiContext } from './api-context.js'

export interface Rendered {
  body: string
  headers: Record<string, string>
}

const MAX_BYTES = 64 * 2 ** 20

export class RenderCache {
  private readonly entries = new Map<string, Rendered>()
  private bytes = 0

  constructor(private readonly maxBytes = MAX_BYTES) {}

  get(key: string): Rendered | undefined {
    const hit = this.entries.get(key)
    if (hit) {
      // Most recently used goes last.
      this.entries.delete(key)
      this.entries.set(key, hit)
    }
    return hit
  }

  set(key: string, value: Rendered): void {
    const size = Buffer.byteLength(value.body)
    if (size > this.maxBytes) return
    const old = this.entries.get(key)
    if (old) this.forget(key, old)
    this.entries.set(key, value)
    this.bytes += size
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.forget(k, v)
    }
  }

  private forget(key: string, value: Rendered): void {
    this.entries.delete(key)
    this.bytes -= Buffer.byteLength(value.body)
  }
}

/**
 * Sends the representation `variant` of the current register: 304 when the client has it, else
 * from the cache, else rendered now. `variant` must name everything the body depends on besides
 * the register (route, normalised query, format, base URL).
 */
export function sendRegisterReply(
  ctx: ApiContext,
  req: FastifyRequest,
  reply: FastifyReply,
  variant: string,
  render: () => Rendered,
): FastifyReply {
  const version = ctx.registry.sensorsVersion()
  const etag = `W/"r${version}-${createHash('sha1').update(variant).digest('base64url').slice(0, 16)}"`
  reply.header('etag', etag)
  const match = req.headers['if-none-match']
  if (match?.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return reply.code(304).send()
  const key = `${version}\n${variant}`
  let rendered = ctx.renderCache.get(key)
  if (!rendered) {
    rendered = render()
    ctx.renderCache.set(key, rendered)
  }
  for (const [name, value] of Object.entries(rendered.headers)) reply.header(name, value)
  return reply.send(rendered.body)
}

/** A query object as a stable string (keys sorted, empty values dropped). */
export function normalisedQuery(query: Record<string, unknown>): string {
  return Object.keys(query)
    .filter((k) => query[k] !== undefined && query[k] !== '')
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(query[k]))}`)
    .join('&')
}
