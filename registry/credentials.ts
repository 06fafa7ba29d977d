/**
 * Credentials of registry accounts: issuing, rotating and setting passwords, and checking logins.
 * Owns the writes to the credentials table; the registry owns accounts and sensors and calls
 * `issue` inside its own transactions when it creates an account.
 */
import { StreetsenseError } from '../core/index.js'
import { LoginChecks } from './login-checks.js'
import { generatePassword, hashPassword } from './passwords.js'
import { type RegistryDb, type RegistryStore, writeTransaction } from './store.js'
import type { IssuedCredentials, Registry } from './types.js'

export type Credentials = Pick<Registry, 'rotateCredentials' | 'setPassword' | 'check' | 'verify'> &
  Pick<RegistryStore, 'issue'>

export function openCredentials(r: RegistryDb): Credentials {
  const logins = new LoginChecks((username) => r.q.account.get(username))
  const rotate = writeTransaction(r.db, (id: string, actor: string) => rotateCredentials(r, id, actor))
  const setPassword = writeTransaction(r.db, (username: string, password: string, actor: string) =>
    setChosenPassword(r, username, password, actor),
  )
  return {
    issue: (username) => issueCredentials(r, username),
    rotateCredentials: (id, actor = 'cli') => rotate(id, actor),
    setPassword: (username, password, actor = 'cli') => setPassword(username, password, actor),
    check: (username, password) => logins.check(username, password),
    async verify(username, password) {
      const result = await logins.check(username, password)
      return result.ok ? result.account : undefined
    },
  }
}

function issueCredentials({ q, now }: RegistryDb, username: string): IssuedCredentials {
  const password = generatePassword()
  q.setCredential.run(username, hashPassword(password), now())
  return { username, password }
}

function rotateCredentials(r: RegistryDb, id: string, actor: string): IssuedCredentials {
  const row = r.q.account.get(id)
  if (!row) throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no sensor or account ${id}`, 'id')
  r.audit(actor, 'credentials.rotate', row.sensor ?? undefined, row.sensor ? undefined : `account ${id}`)
  return issueCredentials(r, id)
}

function setChosenPassword({ q, now, audit }: RegistryDb, username: string, password: string, actor: string): void {
  if (!q.account.get(username)) {
    throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no account ${username}`, 'username')
  }
  // Chosen passwords must be as hard to guess as issued ones (at least 128 bits as base64).
  if (password.length < 22) {
    throw new StreetsenseError('IOT_REGISTRY_INVALID_ENTRY', 'password must be at least 22 characters', 'password')
  }
  q.setCredential.run(username, hashPassword(password), now())
  audit(actor, 'credentials.set', undefined, `account ${username}`)
}
