/**
 * Who may use the admin API: an enabled 'admin' account of the Registry (HTTP Basic, or Bearer
 * <password> with X-Account: <username>), and only for the sensors of its own boroughs. The
 * command routes also take 'operator' accounts (routes-commands.ts).
 */
import type { FastifyRequest } from 'fastify'
import { StreetsenseError } from '../core/index.js'
import type { Account, AccountRole } from '../registry/index.js'
import type { ApiContext } from './api-context.js'

/** HTTP Basic (username:password), or `Bearer <password>` with `X-Account: <username>` (as devices do with X-Sensor). */
export function credentials(req: FastifyRequest): [string, string] | undefined {
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
 * onRequest hook of the admin routes that take a body: JSON only, checked before the body is
 * read or a password checked (a page on another origin can post a plain form, never JSON without
 * a CORS preflight this API does not grant).
 */
export async function requireJson(req: FastifyRequest): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') {
    throw new StreetsenseError(
      'IOT_REGISTER_UNSUPPORTED_MEDIA_TYPE',
      `content-type must be application/json, not ${type || 'none'}`,
      'content-type',
    )
  }
}
