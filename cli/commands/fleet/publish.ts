/**
 * `streetsense fleet publish DIR --pubkey release.pub`: puts a signed release into the platform's
 * release store (<data dir>/releases/<kind>-<version>/, which the ingest serves to devices) and
 * records it in the registry (audited), after checking it as a node would. Nothing unsigned, or
 * signed by another key, can reach the store this way.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { basename, join } from 'node:path'
import { RegistrySettingsSchema } from '../../../broker/index.js'
import { loadSettings, StreetsenseError } from '../../../core/index.js'
import type { Registry } from '../../../registry/index.js'

export async function publishRelease(
  dir: string,
  opts: { pubkey: string; actor?: string } & Record<string, unknown>,
): Promise<string> {
  const { openRegistry } = await import('../../../registry/index.js')
  const { loadPublicKey, verifyRelease, MANIFEST_FILE, SIGNATURE_FILE } = await import('../../../edge/index.js')
  const { dataDir } = loadSettings<{ dataDir: string }>(RegistrySettingsSchema, opts)
  const release = await verifyRelease(dir, { publicKey: loadPublicKey(opts.pubkey) })
  const m = release.manifest
  const id = `${m.kind}-${m.version}`
  const store = join(dataDir, 'releases')
  const target = join(store, id)
  if (existsSync(target))
    throw new StreetsenseError('IOT_USAGE', `${id} is already in the release store (${target})`, 'dir')
  const staging = join(store, `.${id}.partial`)
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  for (const f of [MANIFEST_FILE, SIGNATURE_FILE, m.file]) copyFileSync(join(dir, f), join(staging, basename(f)))
  renameSync(staging, target)
  let registry: Registry | undefined
  try {
    registry = openRegistry(dataDir)
    registry.fleet.publishRelease(
      {
        id,
        kind: m.kind,
        version: m.version,
        file: m.file,
        length: m.length,
        sha256: m.sha256,
        expires: m.expires,
        manifest: readFileSync(join(dir, MANIFEST_FILE), 'utf8'),
        signature: readFileSync(join(dir, SIGNATURE_FILE), 'utf8').trim(),
      },
      opts.actor ?? 'cli',
    )
  } catch (err) {
    // Not recorded (e.g. published before under another store): the files go too.
    rmSync(target, { recursive: true, force: true })
    throw err
  } finally {
    registry?.close()
  }
  return `published ${id}: ${m.file} ${m.length} bytes, sha256 ${m.sha256}, expires ${m.expires}, in ${target}`
}
