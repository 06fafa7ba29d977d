/**
 * Release signing keys: Ed25519 through node:crypto (no dependency). The private key stays with
 * whoever cuts releases (PKCS#8 PEM, mode 0600 in a 0700 directory, optionally encrypted with a
 * passphrase); every node pins the public key (SPKI PEM, a file ending `.pub`). A key id (the
 * first 16 hex digits of the SHA-256 of the raw 32-byte public key) goes into each manifest so a
 * refusal can say "signed by another key" rather than only "bad signature".
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StreetsenseError } from '../../core/index.js'

/** Set to encrypt a new private key (keygen) or to open an encrypted one (release). */
export const PASSPHRASE_ENV = 'STREETSENSE_RELEASE_KEY_PASSPHRASE'

export interface KeyFiles {
  privateKey: string
  publicKey: string
  keyId: string
}

const keyError = (message: string, field = 'key') => new StreetsenseError('IOT_EDGE_UPDATE_KEY', message, field)

export function keyIdOf(publicKey: KeyObject): string {
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url')
  return createHash('sha256').update(raw).digest('hex').slice(0, 16)
}

/** Writes <dir>/<name>.key (0600) and <dir>/<name>.pub; never overwrites a key. */
export function generateReleaseKeys(dir: string, name = 'release', passphrase = process.env[PASSPHRASE_ENV]): KeyFiles {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw keyError(`key name ${name} must be 1-64 of A-Z a-z 0-9 . _ -`, 'name')
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw keyError(`${dir} exists and is not a directory`, 'out')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  // mkdir leaves an existing directory's mode alone: a private key never sits in a readable one.
  chmodSync(dir, 0o700)
  const files = { privateKey: join(dir, `${name}.key`), publicKey: join(dir, `${name}.pub`) }
  for (const f of Object.values(files)) if (existsSync(f)) throw keyError(`${f} exists; not overwriting a key`, 'out')
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const pem = passphrase
    ? privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
    : privateKey.export({ type: 'pkcs8', format: 'pem' })
  writeFileSync(files.privateKey, pem, { mode: 0o600, flag: 'wx' })
  writeFileSync(files.publicKey, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' })
  return { ...files, keyId: keyIdOf(publicKey) }
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw keyError(`cannot read key file ${path}: ${(err as Error).message}`)
  }
}

export function loadPrivateKey(path: string, passphrase = process.env[PASSPHRASE_ENV]): KeyObject {
  const pem = readKeyFile(path)
  if (pem.includes('ENCRYPTED') && !passphrase) throw keyError(`${path} is encrypted: set ${PASSPHRASE_ENV}`)
  let key: KeyObject
  try {
    key = createPrivateKey(passphrase ? { key: pem, passphrase } : pem)
  } catch (err) {
    throw keyError(`${path} is not a readable private key: ${(err as Error).message}`)
  }
  if (key.asymmetricKeyType !== 'ed25519') throw keyError(`${path} is a ${key.asymmetricKeyType} key, not ed25519`)
  return key
}

export function loadPublicKey(path: string): KeyObject {
  const pem = readKeyFile(path)
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch (err) {
    throw keyError(`${path} is not a public key: ${(err as Error).message}`, 'pubkey')
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw keyError(`${path} is a ${key.asymmetricKeyType} key, not ed25519`, 'pubkey')
  }
  return key
}

/** Ed25519 signs the bytes themselves (the algorithm argument must be null). */
export const signBytes = (data: Buffer, key: KeyObject): Buffer => sign(null, data, key)

export function verifyBytes(data: Buffer, signature: Buffer, key: KeyObject): boolean {
  try {
    return verify(null, data, key, signature)
  } catch {
    return false
  }
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey)
}
