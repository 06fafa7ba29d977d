/**
 * Packs an agent release payload: the bundled agent (deploy/bundle-edge.ts) with a package.json
 * naming its version, as a .tar.gz whose top level is what goes into
 * /opt/streetsense/releases/<version>/ (main.mjs, chunks, package.json). npm packages stay
 * external: the agent resolves them from /opt/streetsense/node_modules, outside the releases,
 * unless the release carries its own node_modules (--node-modules DIR, copied in; do this when a
 * release changes a native addon, so a rollback also rolls the addon back).
 * Then sign it: `streetsense fleet release --kind agent --version V --key K --out DIR FILE`.
 * Usage: node --import tsx deploy/pack-edge-release.ts --version 1.4.0 --out agent-1.4.0.tar.gz
 */
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { bundleEdge } from './bundle-edge.js'

const run = promisify(execFile)

export interface PackOptions {
  version: string
  out: string
  /** An already bundled agent directory to reuse (else the agent is bundled now). */
  bundleDir?: string
  nodeModules?: string
}

export async function packAgentRelease(opts: PackOptions): Promise<string> {
  const staging = mkdtempSync(join(tmpdir(), 'ss-pack-'))
  try {
    if (opts.bundleDir) cpSync(opts.bundleDir, staging, { recursive: true })
    else await bundleEdge(staging)
    if (opts.nodeModules)
      cpSync(opts.nodeModules, join(staging, 'node_modules'), { recursive: true, dereference: true })
    const pkg = { name: 'streetsense', version: opts.version, type: 'module', private: true }
    writeFileSync(join(staging, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
    const out = resolve(opts.out)
    await run('tar', ['-czf', out, '--owner=0', '--group=0', '-C', staging, '.'])
    return out
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { version: { type: 'string' }, out: { type: 'string' }, 'node-modules': { type: 'string' } },
  })
  if (!values.version || !values.out) {
    process.stderr.write('usage: deploy/pack-edge-release.ts --version V --out FILE.tar.gz [--node-modules DIR]\n')
    process.exit(2)
  }
  const out = await packAgentRelease({ version: values.version, out: values.out, nodeModules: values['node-modules'] })
  process.stdout.write(`wrote ${out}\n`)
}
