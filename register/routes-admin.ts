/**
 * Admin API: an 'admin' account (HTTP Basic, verified by the Registry) creates, updates and retires
 * register entries of ITS boroughs; every write is audited by the Registry. GET /v1/admin/audit shows
 * the audit log of the account's boroughs.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { type ErrorCode, StreetsenseError } from '../core/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { validateRegisterEntry } from '../schemas/index.js'
import { type ApiContext, baseUrl, licenceBlock } from './http-common.js'
import { publicEntry } from './public-entry.js'
import { idParams } from './schemas.js'
import type { AccountLike } from './source.js'

/** HTTP Basic (username:password), or `Bearer <password>` with `X-Account: <username>` (as devices do with X-Sensor). */
function credentials(req: FastifyRequest): [string, string] | undefined {
  const header = req.headers.authorization ?? ''
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header)
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon > 0 ? [decoded.slice(0, colon), decoded.slice(colon + 1)] : undefined
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)
  const account = req.headers['x-account']
  if (bearer && typeof account === 'string' && account) return [account, bearer[1]!]
  return undefined
}

async function authenticate(ctx: ApiContext, req: FastifyRequest): Promise<AccountLike> {
  const given = credentials(req)
  if (!given) {
    throw new StreetsenseError(
      'IOT_REGISTER_UNAUTHORIZED',
      'admin API needs HTTP Basic credentials of an admin account (or Bearer <password> with X-Account: <username>)',
    )
  }
  const account = await ctx.registry.verify(given[0], given[1])
  if (!account || account.disabled)
    throw new StreetsenseError('IOT_REGISTER_UNAUTHORIZED', 'unknown account or wrong password')
  if (account.role !== 'admin')
    throw new StreetsenseError('IOT_REGISTER_FORBIDDEN', `account ${account.username} is not an admin`)
  return account
}

function requireBorough(account: AccountLike, borough: string): void {
  if (!account.boroughs.includes(borough)) {
    throw new StreetsenseError(
      'IOT_REGISTER_FORBIDDEN',
      `account ${account.username} may not manage sensors of ${borough}`,
    )
  }
}

function parseEntry(body: unknown): RegisterEntry {
  const result = validateRegisterEntry(body)
  if (!result.ok) {
    const first = result.errors[0]!
    const param = first.path.replace(/^\//, '').replace(/\//g, '.') || 'body'
    throw new StreetsenseError('IOT_REGISTER_INVALID_ENTRY', `${param}: ${first.message}`, param)
  }
  return result.value
}

/** Maps the Registry's own errors (contracts.md) onto this API's codes. */
function fromRegistry(err: unknown): never {
  const code = (err as { code?: string }).code
  const map: Record<string, ErrorCode> = {
    IOT_REGISTRY_INVALID_ENTRY: 'IOT_REGISTER_INVALID_ENTRY',
    IOT_REGISTRY_DUPLICATE: 'IOT_REGISTER_DUPLICATE',
    IOT_REGISTRY_NOT_FOUND: 'IOT_REGISTER_NOT_FOUND',
  }
  if (code && map[code]) throw new StreetsenseError(map[code], (err as Error).message)
  throw err
}

export function registerAdminRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const tags = ['admin']
  app.post(
    '/v1/admin/sensors',
    { schema: { tags, summary: 'Register a sensor; returns its device credentials once' } },
    async (req, reply) => {
      const account = await authenticate(ctx, req)
      const entry = parseEntry(req.body)
      requireBorough(account, entry.borough)
      let credentials: { username: string; password: string }
      try {
        credentials = ctx.registry.addSensor(entry, account.username)
      } catch (err) {
        fromRegistry(err)
      }
      const record = ctx.registry.getSensor(entry.id)!
      reply.code(201)
      return { sensor: publicEntry(record, baseUrl(ctx, req)), credentials, ...licenceBlock(entry.licence) }
    },
  )

  app.put(
    '/v1/admin/sensors/:id',
    { schema: { tags, summary: 'Replace a register entry', params: idParams } },
    async (req) => {
      const account = await authenticate(ctx, req)
      const id = (req.params as { id: string }).id
      const entry = parseEntry(req.body)
      if (entry.id !== id)
        throw new StreetsenseError('IOT_REGISTER_BAD_PARAM', 'id: body id must equal the path id', 'id')
      const current = ctx.registry.getSensor(id)
      if (!current) throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no sensor ${id} in the register`)
      requireBorough(account, current.entry.borough)
      requireBorough(account, entry.borough)
      try {
        ctx.registry.updateSensor(entry, account.username)
      } catch (err) {
        fromRegistry(err)
      }
      return { sensor: publicEntry(ctx.registry.getSensor(id)!, baseUrl(ctx, req)), ...licenceBlock() }
    },
  )

  app.post(
    '/v1/admin/sensors/:id/retire',
    { schema: { tags, summary: "Retire a sensor: status 'retired', device account disabled", params: idParams } },
    async (req) => {
      const account = await authenticate(ctx, req)
      const id = (req.params as { id: string }).id
      const current = ctx.registry.getSensor(id)
      if (!current) throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no sensor ${id} in the register`)
      requireBorough(account, current.entry.borough)
      try {
        ctx.registry.retireSensor(id, account.username)
      } catch (err) {
        fromRegistry(err)
      }
      return { sensor: publicEntry(ctx.registry.getSensor(id)!, baseUrl(ctx, req)), ...licenceBlock() }
    },
  )

  app.get(
    '/v1/admin/audit',
    {
      schema: {
        tags,
        summary: "The audit log of the account's boroughs, newest first",
        querystring: {
          type: 'object',
          properties: {
            sensor: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
      },
    },
    async (req) => {
      const account = await authenticate(ctx, req)
      const q = req.query as { sensor?: string; limit?: number }
      const limit = q.limit ?? 100
      // Read more than asked, then keep what the account may see.
      const events = ctx.registry.listAudit({ sensor: q.sensor, limit: limit * 5 }).filter((e) => {
        if (e.actor === account.username) return true
        const borough = e.sensor ? ctx.registry.getSensor(e.sensor)?.entry.borough : undefined
        return borough !== undefined && account.boroughs.includes(borough)
      })
      return { count: Math.min(events.length, limit), events: events.slice(0, limit), ...licenceBlock() }
    },
  )
}
