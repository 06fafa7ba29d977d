/**
 * Who may use the admin API: an enabled 'admin' account of the Registry (HTTP Basic, or Bearer
 * <password> with X-Account: <username>), and only for the sensors of its own boroughs. The
 * command routes also take 'operator' accounts (routes-commands.ts). And how: a request that
 * changes anything must be JSON, which a page on another origin cannot send without a CORS
 * preflight this API never grants (a plain form can send only urlencoded, multipart or
 * text/plain bodies).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { StreetsenseError } from '../core/index.js'
import type { Account, AccountRole } from '../registry/index.js'
import type { ApiContext } from './api-context.js'

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

export async function authenticate(
  ctx: ApiContext,
  req: FastifyRequest,
  roles: readonly AccountRole[] = ['admin'],
): Promise<Account> {
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
  if (!roles.includes(account.role)) {
    const wanted = roles.map((r) => `an ${r}`).join(' or ')
    throw new StreetsenseError('IOT_REGISTER_FORBIDDEN', `account ${account.username} is not ${wanted}`)
  }
  return account
}

export function requireBorough(account: Account, borough: string): void {
  if (!account.boroughs.includes(borough)) {
    throw new StreetsenseError(
      'IOT_REGISTER_FORBIDDEN',
      `account ${account.username} may not manage sensors of ${borough}`,
    )
  }
}

/**
 * onRequest hook of the plugin: a state-changing request to any admin route (POST, PUT, PATCH,
 * DELETE under /v1/admin/, those there now and any added later) must be JSON; anything else is
 * refused before the body is read or a password checked (a cross-site form gets 415, never a 401).
 */
export async function requireJsonRequest(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (!req.url.startsWith('/v1/admin/') || ['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase()
  if (type !== 'application/json') {
    throw new StreetsenseError(
      'IOT_REGISTER_UNSUPPORTED_MEDIA_TYPE',
      `content-type: ${type || 'none'}; a state-changing admin request must be application/json (send {} when there is nothing to say)`,
      'content-type',
    )
  }
}
