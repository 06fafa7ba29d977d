/**
 * The agent tier on disk: <root>/releases/<version>/ (one unpacked release each), <root>/current
 * -> releases/<version> (what systemd starts) and <root>/previous (what a rollback goes back
 * to). The outbox, the node config and update-state.json live elsewhere and survive every
 * switch. The switch is atomic: a new symlink under a temporary name, rename(2) over `current`,
 * then fsync of the directory (`ln -sfn` unlinks first, so a crash there leaves no `current`).
 */
import { execFile } from 'node:child_process'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { StreetsenseError } from '../../core/index.js'
import type { VerifiedRelease } from './manifest.js'
import { fsyncDir } from './state.js'

const run = promisify(execFile)

export const releasesDir = (root: string) => join(root, 'releases')
export const releaseDir = (root: string, version: string) => join(releasesDir(root), version)

/** The version a link (`current` or `previous`) points at, or undefined. */
export function linkedVersion(root: string, link: 'current' | 'previous' = 'current'): string | undefined {
  try {
    return basename(readlinkSync(join(root, link)))
  } catch {
    return undefined
  }
}

/** Points <root>/<link> at releases/<version> atomically. */
export function switchLink(root: string, version: string, link: 'current' | 'previous' = 'current'): void {
  if (!existsSync(releaseDir(root, version))) {
    throw new StreetsenseError('IOT_EDGE_UPDATE_FAILED', `release ${version} is not on this node`, 'version')
  }
  const tmp = join(root, `.${link}.${process.pid}.tmp`)
  rmSync(tmp, { force: true })
  symlinkSync(join('releases', version), tmp)
  renameSync(tmp, join(root, link))
  fsyncDir(root)
}

async function listArchive(payload: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', payload], { maxBuffer: 64 * 1024 * 1024 })
  return stdout.split('\n').filter(Boolean)
}

function failed(message: string, field = 'payload'): StreetsenseError {
  return new StreetsenseError('IOT_EDGE_UPDATE_FAILED', message, field)
}

/** The unpacked release must be the version its manifest says and have the agent's entry. */
function checkUnpacked(dir: string, version: string): void {
  let pkg: { name?: string; version?: string }
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  } catch {
    throw failed('the agent bundle has no readable package.json')
  }
  if (pkg.name !== 'streetsense' || pkg.version !== version) {
    throw failed(`the agent bundle says ${pkg.name}@${pkg.version}, the signed manifest ${version}`, 'version')
  }
  if (!existsSync(join(dir, 'main.mjs'))) throw failed('the agent bundle has no main.mjs')
}

/** Unpacks a verified agent release into releases/<version> (via a temporary directory). */
export async function unpackAgent(release: VerifiedRelease, root: string): Promise<string> {
  const { version } = release.manifest
  const entries = await listArchive(release.payload).catch((err: Error) => {
    throw failed(`the agent bundle is not a readable .tar.gz: ${err.message.split('\n')[0]}`)
  })
  const unsafe = entries.find((e) => e.startsWith('/') || e.split('/').includes('..'))
  if (unsafe) throw failed(`the agent bundle holds a path outside its directory: ${unsafe}`)
  mkdirSync(releasesDir(root), { recursive: true })
  const target = releaseDir(root, version)
  const staging = join(releasesDir(root), `.${version}.partial`)
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging)
  await run('tar', ['-xzf', release.payload, '-C', staging, '--no-same-owner', '--no-same-permissions'])
  checkUnpacked(staging, version)
  // A version unpacked before (a failed attempt) is replaced, unless it is what runs now.
  if (linkedVersion(root) === version) throw failed(`release ${version} is the one running`, 'version')
  rmSync(target, { recursive: true, force: true })
  renameSync(staging, target)
  fsyncDir(releasesDir(root))
  return target
}

/** Removes unpacked releases other than `keep` (current and previous stay for a rollback). */
export function pruneReleases(root: string, keep: (string | undefined)[]): string[] {
  const dir = releasesDir(root)
  if (!existsSync(dir)) return []
  const removed: string[] = []
  for (const name of readdirSync(dir)) {
    if (keep.includes(name) || !lstatSync(join(dir, name)).isDirectory()) continue
    rmSync(join(dir, name), { recursive: true, force: true })
    removed.push(name)
  }
  return removed
}
