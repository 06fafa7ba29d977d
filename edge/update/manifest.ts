/**
 * A signed release: one directory holding the payload (an agent bundle .tar.gz or a firmware
 * .hex), `manifest.json` (kind, version, payload name, length, SHA-256, created, expires, key
 * id, and for firmware the Firmata identity the board must answer with) and
 * `manifest.json.sig`, a detached Ed25519 signature over the manifest's exact bytes (base64).
 * The node checks the signature over the raw bytes before it parses anything, then the kind,
 * the expiry (a frozen, stale release is refused), the version against the installed one
 * (rollback protection) and last the payload's length and hash, reading no more than `length`.
 */
import { createHash, type KeyObject } from 'node:crypto'
import {
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs'
import { basename, join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { compareVersions, SEMVER_PATTERN, StreetsenseError } from '../../core/index.js'
import { keyIdOf, publicKeyOf, signBytes, verifyBytes } from './keys.js'

export const MANIFEST_FILE = 'manifest.json'
export const SIGNATURE_FILE = 'manifest.json.sig'
export const RELEASE_KINDS = ['agent', 'firmware'] as const
export type ReleaseKind = (typeof RELEASE_KINDS)[number]

/** What a flashed board must report over Firmata (REPORT_FIRMWARE): name and major.minor. */
export interface FirmwareIdentity {
  board: string
  name: string
  major: number
  minor: number
}

export interface ReleaseManifest {
  _type: 'streetsense-release'
  kind: ReleaseKind
  version: string
  file: string
  length: number
  sha256: string
  created: string
  expires: string
  keyId: string
  firmware?: FirmwareIdentity
}

export interface VerifiedRelease {
  dir: string
  manifest: ReleaseManifest
  payload: string
}

const manifestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['_type', 'kind', 'version', 'file', 'length', 'sha256', 'created', 'expires', 'keyId'],
  properties: {
    _type: { const: 'streetsense-release' },
    kind: { enum: RELEASE_KINDS },
    version: { type: 'string', pattern: SEMVER_PATTERN, maxLength: 64 },
    file: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$' },
    length: { type: 'integer', minimum: 1, maximum: 256 * 1024 * 1024 },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    created: { type: 'string', format: 'date-time' },
    expires: { type: 'string', format: 'date-time' },
    keyId: { type: 'string', pattern: '^[0-9a-f]{16}$' },
    firmware: {
      type: 'object',
      additionalProperties: false,
      required: ['board', 'name', 'major', 'minor'],
      properties: {
        board: { type: 'string', pattern: '^[a-z0-9-]{1,32}$' },
        name: { type: 'string', minLength: 1, maxLength: 64 },
        major: { type: 'integer', minimum: 0, maximum: 127 },
        minor: { type: 'integer', minimum: 0, maximum: 127 },
      },
    },
  },
}
const ajv = new Ajv2020({ allErrors: false, strict: false, validateFormats: false })
const validateManifest = ajv.compile<ReleaseManifest>(manifestSchema)

/** The first schema error of a manifest, with the option it comes from. */
function manifestProblem(value: unknown): { where: string; message: string; field: string } | undefined {
  if (validateManifest(value)) return undefined
  const e = validateManifest.errors?.[0]
  const where = e?.instancePath || '/'
  const field = where.split('/').filter(Boolean).pop() ?? 'manifest'
  return { where, message: e?.message ?? 'invalid', field }
}

const refuse = (message: string, field: string) => new StreetsenseError('IOT_EDGE_UPDATE_REFUSED', message, field)

export interface CreateReleaseOptions {
  kind: ReleaseKind
  version: string
  payload: string
  out: string
  privateKey: KeyObject
  expiresDays?: number
  firmware?: FirmwareIdentity
  now?: Date
}

function checkReleaseOptions(opts: CreateReleaseOptions): void {
  if (!RELEASE_KINDS.includes(opts.kind)) refuseUsage(`--kind must be one of ${RELEASE_KINDS.join(', ')}`, 'kind')
  if (!new RegExp(SEMVER_PATTERN).test(opts.version))
    refuseUsage(`--version ${opts.version} is not a semantic version (e.g. 1.4.0)`, 'version')
  if (opts.kind === 'firmware' && !opts.firmware)
    refuseUsage('a firmware release needs --board, --firmata-name and --firmata-version', 'firmware')
  if (opts.kind === 'agent' && opts.firmware) refuseUsage('Firmata options belong to firmware releases', 'firmware')
  if (!existsSync(opts.payload)) refuseUsage(`payload ${opts.payload} does not exist`, 'file')
  if (existsSync(opts.out) && readdirSync(opts.out).length > 0)
    refuseUsage(`--out ${opts.out} exists and is not empty`, 'out')
}

function refuseUsage(message: string, field: string): never {
  throw new StreetsenseError('IOT_USAGE', message, field)
}

/** Builds a release directory: the payload, its manifest and the detached signature. */
export function createRelease(opts: CreateReleaseOptions): VerifiedRelease {
  checkReleaseOptions(opts)
  const data = readFileSync(opts.payload)
  const now = opts.now ?? new Date()
  const manifest: ReleaseManifest = {
    _type: 'streetsense-release',
    kind: opts.kind,
    version: opts.version,
    file: basename(opts.payload),
    length: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    created: now.toISOString(),
    expires: new Date(now.getTime() + (opts.expiresDays ?? 14) * 86_400_000).toISOString(),
    keyId: keyIdOf(publicKeyOf(opts.privateKey)),
    ...(opts.firmware ? { firmware: opts.firmware } : {}),
  }
  const problem = manifestProblem(manifest)
  if (problem) refuseUsage(`the release would be malformed: ${problem.where} ${problem.message}`, problem.field)
  mkdirSync(opts.out, { recursive: true })
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)
  const payload = join(opts.out, manifest.file)
  copyFileSync(opts.payload, payload)
  writeFileSync(join(opts.out, MANIFEST_FILE), bytes)
  writeFileSync(join(opts.out, SIGNATURE_FILE), `${signBytes(bytes, opts.privateKey).toString('base64')}\n`)
  return { dir: opts.out, manifest, payload }
}

export interface VerifyOptions {
  publicKey: KeyObject
  /** Refuse any other kind. */
  kind?: ReleaseKind
  /** The version the node runs: only a newer one passes. */
  installed?: string
  now?: Date
}

function readSigned(dir: string): { bytes: Buffer; signature: Buffer } {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name))
    } catch {
      throw refuse(`${dir} has no ${name}: not a release directory`, 'manifest')
    }
  }
  return {
    bytes: read(MANIFEST_FILE),
    signature: Buffer.from(read(SIGNATURE_FILE).toString('latin1').trim(), 'base64'),
  }
}

/** Says whether a manifest that failed its signature at least claims our key (tampering) or not (wrong key). */
function signatureRefusal(bytes: Buffer, pinnedKeyId: string): StreetsenseError {
  let claimed: unknown
  try {
    claimed = (JSON.parse(bytes.toString('utf8')) as { keyId?: unknown }).keyId
  } catch {
    claimed = undefined
  }
  if (typeof claimed === 'string' && /^[0-9a-f]{16}$/.test(claimed) && claimed !== pinnedKeyId) {
    return refuse(`wrong key: signed by key ${claimed}, this node trusts key ${pinnedKeyId}`, 'key')
  }
  return refuse('bad signature: the manifest or its signature was altered, or another key signed it', 'signature')
}

function checkManifest(manifest: ReleaseManifest, opts: VerifyOptions): void {
  if (opts.kind && manifest.kind !== opts.kind)
    throw refuse(`wrong kind: the release is for the ${manifest.kind}, expected ${opts.kind}`, 'kind')
  const now = opts.now ?? new Date()
  const expires = Date.parse(manifest.expires)
  if (Number.isNaN(expires)) throw refuse(`the signed manifest's expires ${manifest.expires} is not a time`, 'expires')
  if (expires <= now.getTime())
    throw refuse(`expired: the release expired at ${manifest.expires} (now ${now.toISOString()})`, 'expires')
  if (opts.installed && compareVersions(manifest.version, opts.installed) <= 0) {
    const what = compareVersions(manifest.version, opts.installed) === 0 ? 'equal to' : 'older than'
    throw refuse(`not newer: ${manifest.version} is ${what} the installed ${opts.installed}`, 'version')
  }
}

async function checkPayload(path: string, manifest: ReleaseManifest): Promise<void> {
  const hash = createHash('sha256')
  let length = 0
  try {
    // Read at most one byte more than promised: enough to tell "too long" without reading a huge file.
    for await (const chunk of createReadStream(path, { end: manifest.length })) {
      length += (chunk as Buffer).length
      hash.update(chunk as Buffer)
    }
  } catch {
    throw refuse(`payload ${manifest.file} is missing`, 'file')
  }
  if (length !== manifest.length) {
    const got = length > manifest.length ? `more than ${manifest.length}` : String(length)
    throw refuse(`wrong length: ${manifest.file} has ${got} bytes, the manifest says ${manifest.length}`, 'length')
  }
  if (hash.digest('hex') !== manifest.sha256)
    throw refuse(`wrong hash: ${manifest.file} does not match its sha256`, 'sha256')
}

/**
 * The manifest's checks without its payload (signature over the raw bytes first, then schema,
 * kind, expiry, version): what a node does with an update command before it downloads anything.
 */
export function verifyManifest(bytes: Buffer, signature: Buffer, opts: VerifyOptions): ReleaseManifest {
  if (!verifyBytes(bytes, signature, opts.publicKey)) throw signatureRefusal(bytes, keyIdOf(opts.publicKey))
  let manifest: unknown
  try {
    manifest = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw refuse('the signed manifest is not JSON', 'manifest')
  }
  const problem = manifestProblem(manifest)
  if (problem) throw refuse(`the signed manifest is malformed: ${problem.where} ${problem.message}`, 'manifest')
  checkManifest(manifest as ReleaseManifest, opts)
  return manifest as ReleaseManifest
}

/** Resolves with the verified release, or throws IOT_EDGE_UPDATE_REFUSED whose message is the reason. */
export async function verifyRelease(dir: string, opts: VerifyOptions): Promise<VerifiedRelease> {
  const { bytes, signature } = readSigned(dir)
  const verified = verifyManifest(bytes, signature, opts)
  const payload = join(dir, verified.file)
  await checkPayload(payload, verified)
  return { dir, manifest: verified, payload }
}
