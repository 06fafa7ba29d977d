/**
 * Who is asking, for every route that serves readings: anonymous, or an account given with
 * HTTP Basic (or `Bearer <password>` with `X-Account`), as on the admin API. What the caller may
 * read is decided by the registry's one rule (registry/access.ts), never here: open data for
 * everyone; `shared` and `restricted` data for accounts (reader, operator, admin) of the boroughs
 * the rule names. Wrong credentials are a 401, not a silent fall back to open data. A reply
 * that depends on an account is `Cache-Control: private, no-store`, and every reply of these
 * routes varies by Authorization, so no shared cache hands one caller's data to another.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { StreetsenseError } from '../core/index.js'
import { type Account, READING_ROLES, type SharedEntry } from '../registry/index.js'
import { credentials } from './admin-auth.js'
import type { ApiContext } from './api-context.js'
import { addVary } from './caching.js'

export interface Caller {
  /** The reading account (reader, operator, admin); absent: anonymous, or an account of another role. */
  account?: Account
  /** Whether this caller may read the sensor's readings (the registry's rule). */
  mayRead(entry: SharedEntry): boolean
}

export function anonymousCaller(ctx: ApiContext): Caller {
  return { mayRead: (entry) => ctx.access.mayRead(entry, undefined, ctx.now()) }
}

export async function callerOf(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply): Promise<Caller> {
  addVary(reply, 'Authorization')
  if (req.headers.authorization === undefined) return anonymousCaller(ctx)
  const given = credentials(req)
  const account = given ? await ctx.registry.verify(given[0], given[1]) : undefined
  if (!account || account.disabled) {
    throw new StreetsenseError(
      'IOT_REGISTER_UNAUTHORIZED',
      'unknown account or wrong password (send no Authorization header to read open data)',
    )
  }
  reply.header('cache-control', 'private, no-store')
  if (!READING_ROLES.includes(account.role)) return anonymousCaller(ctx)
  return { account, mayRead: (entry) => ctx.access.mayRead(entry, account, ctx.now()) }
}

/** Refuses a caller who may not read this sensor's readings, saying why. */
export function requireReadable(caller: Caller, entry: SharedEntry): void {
  if (caller.mayRead(entry)) return
  if (!caller.account) {
    throw new StreetsenseError(
      'IOT_REGISTER_DATA_NOT_OPEN',
      `sensor ${entry.id} is registered with sharing '${entry.sharing}': its readings are not open data` +
        (entry.sharing === 'restricted' ? '' : '; accounts of its borough and partner boroughs may read them'),
    )
  }
  throw new StreetsenseError(
    'IOT_REGISTER_NO_ACCESS',
    entry.sharing === 'restricted'
      ? `sensor ${entry.id} is restricted to accounts of ${entry.borough}`
      : `sensor ${entry.id} is shared only with ${entry.borough} and boroughs under a data-sharing agreement in force; account ${caller.account.username} is of neither`,
  )
}
