/**
 * Credentials: random secrets (192 bits, shown once) stored only as salted scrypt hashes.
 * Format of a stored hash: `scrypt$N$r$p$saltB64$hashB64`.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto'

const N = 16384
const R = 8
const P = 1
const KEY_LEN = 32

export function generatePassword(): string {
  return randomBytes(24).toString('base64url')
}

export function hashPassword(password: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(password, salt, KEY_LEN, { N, r: R, p: P })
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`
}

interface ParsedHash {
  N: number
  r: number
  p: number
  salt: Buffer
  hash: Buffer
}

function parse(stored: string): ParsedHash | undefined {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string]
  return {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt, 'base64'),
    hash: Buffer.from(hash, 'base64'),
  }
}

// Verifying against this when the user is unknown keeps the time of a refusal the same.
const DUMMY_HASH = hashPassword(generatePassword())

/** Constant-time check of a password against a stored hash (or the dummy hash when undefined). */
export function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = parse(stored ?? DUMMY_HASH) ?? (parse(DUMMY_HASH) as ParsedHash)
  return new Promise((resolve) => {
    scrypt(
      password,
      parsed.salt,
      parsed.hash.length,
      { N: parsed.N, r: parsed.r, p: parsed.p, maxmem: 256 * parsed.N * parsed.r },
      (err, derived) => {
        if (err) return resolve(false)
        resolve(stored !== undefined && timingSafeEqual(derived, parsed.hash))
      },
    )
  })
}
