/**
 * The MQTT client-id namespace. A device connects with its sensor id and nothing else. A service
 * account (ingest, reader, admin) connects with its username, or with `<username>/<suffix>` for
 * several connections (the ingest's consumers are `<username>/<instance>-<k>`). Sensor ids and
 * usernames cannot contain '/' and are unique across sensors and accounts, so no device's client
 * id can equal a service's, and no account can take over another's session (a second connection
 * with a client id unseats the first and, with clean session, wipes its subscriptions). The
 * names of the platform's own services are reserved: no sensor may be registered under them,
 * so a borough admin cannot squat the ingest's account name before it is created.
 */
import type { Account } from './types.js'

/** Usernames the platform's services use or may use; never sensor ids (compared case-insensitively). */
export const RESERVED_NAMES: readonly string[] = [
  'admin',
  'broker',
  'ingest',
  'operator',
  'platform',
  'reader',
  'register',
  'root',
  'streetsense',
]

export function isReservedName(id: string): boolean {
  return RESERVED_NAMES.includes(id.toLowerCase())
}

/** What follows `<username>/` in a service account's client id: short and plain. */
const SERVICE_SUFFIX = /^[A-Za-z0-9._:/-]{1,100}$/

/** The client id of one of several connections of a service account. */
export function serviceClientId(username: string, suffix: string): string {
  return `${username}/${suffix}`
}

/** Whether an account may connect with this client id (the broker answers CONNACK 2 otherwise). */
export function clientIdAllowed(account: Pick<Account, 'role' | 'username'>, clientId: string): boolean {
  if (clientId === account.username) return true
  if (account.role === 'device') return false
  const prefix = `${account.username}/`
  return clientId.startsWith(prefix) && SERVICE_SUFFIX.test(clientId.slice(prefix.length))
}
