/**
 * Checking a login against the stored scrypt hash, cheaply when many arrive at once. Successful
 * checks are remembered (keyed by a per-process HMAC of the password and the stored hash), so a
 * reconnect storm does not cost one scrypt per device; a rotation changes the hash. Concurrent
 * logins with the same credentials (a reconnect storm of one service account) share one scrypt:
 * each costs 16 MiB and a thread-pool slot.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { verifyPassword } from './passwords.js'
import { type AccountRow, toAccount } from './rows.js'
import type { LoginCheck } from './types.js'

const VERIFY_CACHE_MAX = 10_000

export class LoginChecks {
  private readonly cacheKey = randomBytes(32)
  private readonly verified = new Map<string, { hash: string; digest: Buffer }>()
  private readonly checking = new Map<string, Promise<LoginCheck>>()

  /** `findAccount`: the account with its stored hash (accounts LEFT JOIN credentials). */
  constructor(private readonly findAccount: (username: string) => AccountRow | undefined) {}

  check(username: string, password: string): Promise<LoginCheck> {
    const key = `${username}\0${this.digest(password).toString('base64')}`
    let pending = this.checking.get(key)
    if (!pending) {
      pending = this.checkOnce(username, password).finally(() => this.checking.delete(key))
      this.checking.set(key, pending)
    }
    return pending
  }

  private async checkOnce(username: string, password: string): Promise<LoginCheck> {
    const row = this.findAccount(username)
    let ok = this.remembered(username, password, row?.hash)
    if (!ok) ok = await verifyPassword(password, row?.hash)
    if (!row?.hash) return { ok: false, reason: 'unknown' }
    if (!ok) return { ok: false, reason: 'bad_password' }
    this.remember(username, password, row.hash)
    // Re-read: the account may have been disabled or rotated while scrypt ran.
    const fresh = this.findAccount(username)
    if (!fresh || fresh.hash !== row.hash) return { ok: false, reason: 'bad_password' }
    const account = toAccount(fresh)
    return account.disabled ? { ok: false, reason: 'disabled', account } : { ok: true, account }
  }

  private remembered(username: string, password: string, hash: string | undefined): boolean {
    const cached = hash ? this.verified.get(username) : undefined
    return cached !== undefined && cached.hash === hash && timingSafeEqual(cached.digest, this.digest(password))
  }

  private remember(username: string, password: string, hash: string): void {
    if (this.verified.size >= VERIFY_CACHE_MAX) this.verified.delete(this.verified.keys().next().value as string)
    this.verified.set(username, { hash, digest: this.digest(password) })
  }

  private digest(password: string): Buffer {
    return createHmac('sha256', this.cacheKey).update(password).digest()
  }
}
