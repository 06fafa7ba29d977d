/**
 * Service accounts (ingest, reader, operator, admin) and reading accounts of every role. Device
 * accounts are created with their sensor (sensors.ts); a username is never both a sensor and an
 * account. An operator commands the devices of its boroughs, so it must have at least one.
 */
import { StreetsenseError } from '../core/index.js'
import { isBoroughCode, isSensorId } from '../schemas/index.js'
import { toAccount } from './rows.js'
import { type RegistryStore, writeTransaction } from './store.js'
import type { AccountRole, IssuedCredentials, Registry } from './types.js'

const SERVICE_ROLES: readonly AccountRole[] = ['ingest', 'reader', 'operator', 'admin']

export function accountMethods(s: RegistryStore): Pick<Registry, 'addAccount' | 'getAccount' | 'listAccounts'> {
  const add = writeTransaction(s.db, (username: string, role: AccountRole, boroughs: string[], actor: string) =>
    insertServiceAccount(s, username, role, boroughs, actor),
  )
  return {
    addAccount({ username, role, boroughs = [] }, actor = 'cli') {
      checkServiceAccount(username, role, boroughs)
      return add(username, role, boroughs, actor)
    },
    getAccount(username) {
      const row = s.q.account.get(username)
      return row ? toAccount(row) : undefined
    },
    listAccounts: () => s.q.accounts.all().map(toAccount),
  }
}

function checkServiceAccount(username: string, role: AccountRole, boroughs: string[]): void {
  if (!isSensorId(username)) {
    throw new StreetsenseError('IOT_REGISTRY_INVALID_ENTRY', 'username must match [A-Za-z0-9._:-]{1,64}', 'username')
  }
  if (!SERVICE_ROLES.includes(role)) {
    throw new StreetsenseError('IOT_REGISTRY_INVALID_ENTRY', `role must be one of ${SERVICE_ROLES.join(', ')}`, 'role')
  }
  const bad = boroughs.find((b) => !isBoroughCode(b))
  if (bad !== undefined) {
    throw new StreetsenseError('IOT_REGISTRY_INVALID_ENTRY', `not a London borough code: ${bad}`, 'boroughs')
  }
  if (role === 'operator' && boroughs.length === 0) {
    throw new StreetsenseError('IOT_REGISTRY_INVALID_ENTRY', 'an operator account needs its boroughs', 'boroughs')
  }
}

function insertServiceAccount(
  { q, now, audit, issue }: RegistryStore,
  username: string,
  role: AccountRole,
  boroughs: string[],
  actor: string,
): IssuedCredentials {
  if (q.account.get(username) || q.sensor.get(username)) {
    throw new StreetsenseError('IOT_REGISTRY_DUPLICATE', `account ${username} already exists`, 'username')
  }
  const t = now()
  q.insertAccount.run(username, role, null, JSON.stringify(boroughs), 0, t, t)
  audit(actor, 'account.add', undefined, `${role} ${username}${boroughs.length ? ` (${boroughs.join(',')})` : ''}`)
  return issue(username)
}
