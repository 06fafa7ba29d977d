/**
 * Credentials of registry accounts: issuing, rotating and setting passwords, and checking logins.
 * Owns the writes to the credentials table; the registry owns accounts and sensors and calls
 * `issue` inside its own transactions when it creates an account.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type Database from 'better-sqlite3'
import { StreetsenseError } from '../core/index.js'
import { generatePassword, hashPassword, verifyPassword } from './passwords.js'
import { type AccountRow, toAccount, VERIFY_CACHE_MAX } from './rows.js'
import type { IssuedCredentials, LoginCheck, Registry } from './types.js'

export interface CredentialDeps {
  /** The account with its stored hash (accounts LEFT JOIN credentials). */
  findAccount(username: string): AccountRow | undefined
  audit(actor: string, action: string, sensor?: string, detail?: string): void
  now(): string
}

export type Credentials = Pick<Registry, 'rotateCredentials' | 'setPassword' | 'check' | 'verify'> & {
  /** Stores a fresh random password for an existing account; call it inside a write transaction. */
  issue(username: string): IssuedCredentials
}

export function openCredentials(db: Database.Database, { findAccount, audit, now }: CredentialDeps): Credentials {
  const setCredential = db.prepare(
    'INSERT INTO credentials (username, hash, issued_at) VALUES (?, ?, ?) ON CONFLICT(username) DO UPDATE SET hash = excluded.hash, issued_at = excluded.issued_at',
  )

  function issue(username: string): IssuedCredentials {
    const password = generatePassword()
    setCredential.run(username, hashPassword(password), now())
    return { username, password }
  }

  // Writers take the write lock at BEGIN (IMMEDIATE): a deferred transaction that starts as a
  // reader cannot wait for the lock to upgrade, and concurrent CLI runs failed with SQLITE_BUSY.
  const rotateTx = db.transaction((id: string, actor: string) => {
    const row = findAccount(id)
    if (!row) throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no sensor or account ${id}`, 'id')
    audit(actor, 'credentials.rotate', row.sensor ?? undefined, row.sensor ? undefined : `account ${id}`)
    return issue(id)
  })
  const setPasswordTx = db.transaction((username: string, password: string, actor: string) => {
    if (!findAccount(username))
      throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no account ${username}`, 'username')
    // Chosen passwords must be as hard to guess as issued ones (at least 128 bits as base64).
    if (password.length < 22) {
      throw new StreetsenseError('IOT_REGISTRY_INVALID_ENTRY', 'password must be at least 22 characters', 'password')
    }
    setCredential.run(username, hashPassword(password), now())
    audit(actor, 'credentials.set', undefined, `account ${username}`)
  })

  // Successful checks are remembered (keyed by a per-process HMAC of the password and the stored
  // hash), so a reconnect storm does not cost one scrypt per device; a rotation changes the hash.
  const cacheKey = randomBytes(32)
  const verified = new Map<string, { hash: string; digest: Buffer }>()
  const digest = (password: string) => createHmac('sha256', cacheKey).update(password).digest()

  // Concurrent logins with the same credentials (a reconnect storm of one service account)
  // share one scrypt: each costs 16 MiB and a thread-pool slot.
  const checking = new Map<string, Promise<LoginCheck>>()
  function check(username: string, password: string): Promise<LoginCheck> {
    const key = `${username}\0${digest(password).toString('base64')}`
    let pending = checking.get(key)
    if (!pending) {
      pending = checkOnce(username, password).finally(() => checking.delete(key))
      checking.set(key, pending)
    }
    return pending
  }

  async function checkOnce(username: string, password: string): Promise<LoginCheck> {
    const row = findAccount(username)
    const cached = row?.hash ? verified.get(username) : undefined
    let ok = cached !== undefined && cached.hash === row?.hash && timingSafeEqual(cached.digest, digest(password))
    if (!ok) ok = await verifyPassword(password, row?.hash)
    if (!row?.hash) return { ok: false, reason: 'unknown' }
    if (!ok) return { ok: false, reason: 'bad_password' }
    if (verified.size >= VERIFY_CACHE_MAX) verified.delete(verified.keys().next().value as string)
    verified.set(username, { hash: row.hash, digest: digest(password) })
    // Re-read: the account may have been disabled or rotated while scrypt ran.
    const fresh = findAccount(username)
    if (!fresh || fresh.hash !== row.hash) return { ok: false, reason: 'bad_password' }
    const account = toAccount(fresh)
    return account.disabled ? { ok: false, reason: 'disabled', account } : { ok: true, account }
  }

  return {
    issue,
    rotateCredentials: (id, actor = 'cli') => rotateTx.immediate(id, actor),
    setPassword: (username, password, actor = 'cli') => setPasswordTx.immediate(username, password, actor),
    check,
    async verify(username, password) {
      const result = await check(username, password)
      return result.ok ? result.account : undefined
    },
  }
}
