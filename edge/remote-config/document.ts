/**
 * A signed config document: the settings an operator pushes to one node, for that sensor only,
 * with a version that only goes up (a replayed older document is refused), an expiry, and the id
 * of the key that signed it. The key is the platform's config key, not the release key: whoever
 * holds it can change settings within the remote settings schema (settings.ts) but cannot install
 * software. Signed and checked over the exact bytes (the command carries them as a string), so
 * nothing is canonicalised. The operator's CLI signs; the node verifies; the platform holds no
 * private key.
 */
import type { KeyObject } from 'node:crypto'
import { StreetsenseError } from '../../core/index.js'
import { keyIdOf, publicKeyOf, signBytes, verifyBytes } from '../update/keys.js'
import { checkRemoteSettings, type RemoteSettings } from './settings.js'

export const CONFIG_DOCUMENT_TYPE = 'streetsense-config'

export interface ConfigDocument {
  _type: typeof CONFIG_DOCUMENT_TYPE
  sensor: string
  borough: string
  /** Only a higher version than the node's last applied one is taken (by convention: ms since 1970). */
  version: number
  issued: string
  expires: string
  keyId: string
  settings: RemoteSettings
}

export interface SignedConfig {
  document: string
  signature: string
}

const refuse = (message: string, field: string) => new StreetsenseError('IOT_EDGE_CONFIG_REFUSED', message, field)

export function signConfigDocument(
  input: {
    sensor: string
    borough: string
    settings: RemoteSettings
    version?: number
    expiresDays?: number
    now?: Date
  },
  privateKey: KeyObject,
): SignedConfig {
  checkRemoteSettings(input.settings)
  const now = input.now ?? new Date()
  const doc: ConfigDocument = {
    _type: CONFIG_DOCUMENT_TYPE,
    sensor: input.sensor,
    borough: input.borough,
    version: input.version ?? now.getTime(),
    issued: now.toISOString(),
    expires: new Date(now.getTime() + (input.expiresDays ?? 7) * 86_400_000).toISOString(),
    keyId: keyIdOf(publicKeyOf(privateKey)),
    settings: input.settings,
  }
  const document = JSON.stringify(doc)
  return { document, signature: signBytes(Buffer.from(document), privateKey).toString('base64') }
}

export interface OpenOptions {
  publicKey: KeyObject
  sensor: string
  borough: string
  /** The version last applied on this node: only a higher one passes. */
  lastVersion?: number
  now: number
}

function parse(document: string): ConfigDocument {
  let doc: Partial<ConfigDocument>
  try {
    doc = JSON.parse(document) as Partial<ConfigDocument>
  } catch {
    throw refuse('the signed config document is not JSON', 'document')
  }
  if (doc?._type !== CONFIG_DOCUMENT_TYPE) throw refuse(`the document is not a ${CONFIG_DOCUMENT_TYPE}`, 'document')
  if (!Number.isSafeInteger(doc.version) || (doc.version as number) < 1)
    throw refuse('the document has no valid version', 'version')
  if (typeof doc.expires !== 'string' || Number.isNaN(Date.parse(doc.expires))) {
    throw refuse('the document has no valid expires', 'expires')
  }
  return doc as ConfigDocument
}

/** Checks signature, key, sensor, expiry, version and settings; the document, or IOT_EDGE_CONFIG_REFUSED. */
export function openConfigDocument(signed: SignedConfig, opts: OpenOptions): ConfigDocument {
  const bytes = Buffer.from(signed.document)
  if (!verifyBytes(bytes, Buffer.from(signed.signature, 'base64'), opts.publicKey)) {
    const claimed = /"keyId":"([0-9a-f]{16})"/.exec(signed.document)?.[1]
    const pinned = keyIdOf(opts.publicKey)
    if (claimed && claimed !== pinned) {
      throw refuse(`wrong key: signed by key ${claimed}, this node trusts config key ${pinned}`, 'key')
    }
    throw refuse(
      'bad signature: the config document or its signature was altered, or another key signed it',
      'signature',
    )
  }
  const doc = parse(signed.document)
  if (doc.sensor !== opts.sensor || doc.borough !== opts.borough) {
    throw refuse(`the document is for ${doc.sensor} in ${doc.borough}, not this node (${opts.sensor})`, 'sensor')
  }
  if (Date.parse(doc.expires) <= opts.now) throw refuse(`expired: the document expired at ${doc.expires}`, 'expires')
  if (opts.lastVersion !== undefined && doc.version <= opts.lastVersion) {
    throw refuse(`not newer: version ${doc.version} is not above the applied ${opts.lastVersion}`, 'version')
  }
  checkRemoteSettings(doc.settings)
  return doc
}
