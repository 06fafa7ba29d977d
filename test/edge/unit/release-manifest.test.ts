/** Release keys, the signed manifest and version order, as a node checks them (no network, real files). */
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { compareVersions, isSemver } from '../../../core/semver.js'
import { generateReleaseKeys, loadPrivateKey, loadPublicKey, signBytes } from '../../../edge/update/keys.js'
import { createRelease, verifyRelease } from '../../../edge/update/manifest.js'

const dir = mkdtempSync(join(tmpdir(), 'ss-manifest-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const keys = generateReleaseKeys(join(dir, 'keys'), 'release', '')
const privateKey = loadPrivateKey(keys.privateKey, '')
const publicKey = loadPublicKey(keys.publicKey)
const payload = join(dir, 'agent-1.2.0.tar.gz')
writeFileSync(payload, Buffer.alloc(4096, 7))
let n = 0
const release = (opts: Partial<Parameters<typeof createRelease>[0]> = {}) =>
  createRelease({ kind: 'agent', version: '1.2.0', payload, out: join(dir, `r${n++}`), privateKey, ...opts }).dir

describe('versions', () => {
  it('orders versions as semver 2.0.0 section 11 does', () => {
    // The precedence example of the semver specification, lowest first.
    const spec = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
    ]
    const more = ['1.0.1', '1.2.0', '1.10.0', '2.0.0']
    const all = ['0.9.9', ...spec, ...more]
    for (let i = 1; i < all.length; i++) {
      expect(compareVersions(all[i - 1]!, all[i]!), `${all[i - 1]} < ${all[i]}`).toBe(-1)
      expect(compareVersions(all[i]!, all[i - 1]!)).toBe(1)
    }
    expect(compareVersions('1.0.0+build.5', '1.0.0')).toBe(0)
  })

  it('takes only semantic versions', () => {
    expect(['1.0', 'v1.0.0', '01.0.0', '1.0.0-', ''].map(isSemver)).toEqual([false, false, false, false, false])
    expect(() => compareVersions('1.0', '1.0.0')).toThrow(/not a semantic version: 1\.0/)
  })
})

describe('release keys', () => {
  it('keeps the private key 0600 in a 0700 directory and never overwrites a key', () => {
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700)
    expect(statSync(keys.privateKey).mode & 0o777).toBe(0o600)
    expect(keys.publicKey.endsWith('.pub')).toBe(true)
    expect(readFileSync(keys.publicKey, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/)
    expect(() => generateReleaseKeys(join(dir, 'keys'), 'release', '')).toThrow(/exists; not overwriting/)
  })

  it('encrypts the private key with a passphrase, and needs it to sign', () => {
    const enc = generateReleaseKeys(join(dir, 'enc'), 'release', 'correct horse battery staple')
    expect(readFileSync(enc.privateKey, 'utf8')).toMatch(/ENCRYPTED PRIVATE KEY/)
    expect(() => loadPrivateKey(enc.privateKey, '')).toThrow(/is encrypted: set STREETSENSE_RELEASE_KEY_PASSPHRASE/)
    expect(() => loadPrivateKey(enc.privateKey, 'wrong')).toThrow(/not a readable private key/)
    expect(loadPrivateKey(enc.privateKey, 'correct horse battery staple').asymmetricKeyType).toBe('ed25519')
  })

  it('refuses a key that is not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    writeFileSync(join(dir, 'rsa.pub'), rsa.publicKey.export({ type: 'spki', format: 'pem' }))
    expect(() => loadPublicKey(join(dir, 'rsa.pub'))).toThrow(/is a rsa key, not ed25519/)
  })
})

describe('verifying a release', () => {
  it('accepts a good release and returns its manifest', async () => {
    const r = await verifyRelease(release(), { publicKey, kind: 'agent', installed: '1.1.9' })
    expect(r.manifest).toMatchObject({
      kind: 'agent',
      version: '1.2.0',
      file: 'agent-1.2.0.tar.gz',
      length: 4096,
      keyId: keys.keyId,
    })
  })

  it('signs the exact bytes: the same manifest re-serialised no longer verifies', async () => {
    const d = release()
    const m = join(d, 'manifest.json')
    writeFileSync(m, JSON.stringify(JSON.parse(readFileSync(m, 'utf8'))))
    await expect(verifyRelease(d, { publicKey })).rejects.toThrow(/bad signature/)
  })

  it('refuses a flipped signature bit, a short or long payload, a missing payload', async () => {
    const flipped = release()
    const sig = Buffer.from(readFileSync(join(flipped, 'manifest.json.sig'), 'utf8').trim(), 'base64')
    sig[0] = sig[0]! ^ 1
    writeFileSync(join(flipped, 'manifest.json.sig'), sig.toString('base64'))
    await expect(verifyRelease(flipped, { publicKey })).rejects.toThrow(/bad signature/)
    const short = release()
    writeFileSync(join(short, 'agent-1.2.0.tar.gz'), Buffer.alloc(4095, 7))
    await expect(verifyRelease(short, { publicKey })).rejects.toThrow(
      /wrong length: agent-1.2.0.tar.gz has 4095 bytes, the manifest says 4096/,
    )
    const long = release()
    writeFileSync(join(long, 'agent-1.2.0.tar.gz'), Buffer.alloc(1_000_000, 7))
    await expect(verifyRelease(long, { publicKey })).rejects.toThrow(/has more than 4096 bytes/)
    const gone = release()
    rmSync(join(gone, 'agent-1.2.0.tar.gz'))
    await expect(verifyRelease(gone, { publicKey })).rejects.toThrow(/payload agent-1.2.0.tar.gz is missing/)
    await expect(verifyRelease(join(dir, 'nothing-here'), { publicKey })).rejects.toThrow(/not a release directory/)
  })

  it('refuses a signed manifest that escapes its directory or lacks fields', async () => {
    const d = release()
    const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'))
    const bytes = Buffer.from(JSON.stringify({ ...m, file: '../../etc/passwd' }))
    writeFileSync(join(d, 'manifest.json'), bytes)
    writeFileSync(join(d, 'manifest.json.sig'), signBytes(bytes, privateKey).toString('base64'))
    await expect(verifyRelease(d, { publicKey })).rejects.toThrow(/malformed: \/file must match pattern/)
  })

  it('refuses expiry, kind and version in that order, with the reason', async () => {
    const now = new Date('2030-01-01T00:00:00Z')
    const d = release({ now, expiresDays: 14 })
    const check = (o: object) => verifyRelease(d, { publicKey, ...o })
    await expect(check({ now: new Date('2030-01-15T00:00:00Z') })).rejects.toThrow(
      /expired: the release expired at 2030-01-15T00:00:00.000Z/,
    )
    await expect(check({ now, kind: 'firmware' })).rejects.toThrow(
      /wrong kind: the release is for the agent, expected firmware/,
    )
    await expect(check({ now, installed: '1.2.0' })).rejects.toThrow(/1\.2\.0 is equal to the installed 1\.2\.0/)
    await expect(check({ now, installed: '1.10.0' })).rejects.toThrow(/1\.2\.0 is older than the installed 1\.10\.0/)
    await expect(check({ now, installed: '1.2.0-rc.3' })).resolves.toMatchObject({ manifest: { version: '1.2.0' } })
  })

  it('tells a release signed by another key from a tampered one', async () => {
    const other = generateReleaseKeys(join(dir, 'other'), 'release', '')
    const d = release({ privateKey: loadPrivateKey(other.privateKey, '') })
    await expect(verifyRelease(d, { publicKey })).rejects.toMatchObject({
      code: 'IOT_EDGE_UPDATE_REFUSED',
      field: 'key',
      message: `wrong key: signed by key ${other.keyId}, this node trusts key ${keys.keyId}`,
    })
  })

  it('asks for the Firmata identity of a firmware release and refuses a bad one', () => {
    expect(() => release({ kind: 'firmware' })).toThrow(/needs --board, --firmata-name and --firmata-version/)
    expect(() => release({ kind: 'firmware', firmware: { board: 'uno', name: 'x', major: 200, minor: 0 } })).toThrow(
      /\/firmware\/major must be <= 127/,
    )
    expect(() => release({ version: '1.2' })).toThrow(/--version 1.2 is not a semantic version/)
  })
})
