/**
 * Bundles the edge agent (edge/main.ts and what it imports from schemas/ and core/) into
 * plain ES modules with esbuild (a dev dependency), npm packages left external, with code
 * splitting so driver modules (johnny-five!) still load only when a config uses them. A Pi then
 * runs `node dist/edge/main.mjs`: no TypeScript loader in memory (tsx costs ~30 MB of RSS).
 * With --updater it bundles the node's updater (edge/update/main.ts) into one file instead,
 * dist/updater/updater.mjs, which lives outside the agent's releases.
 * Usage: node --import tsx deploy/bundle-edge.ts [--outdir dist/edge] [--updater]
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outExtension: { '.js': '.mjs' },
  sourcemap: true,
  logLevel: 'warning',
} as const

/** The agent: outdir/main.mjs plus chunks. */
export async function bundleEdge(outdir = 'dist/edge'): Promise<string> {
  await build({ ...common, entryPoints: ['edge/main.ts'], outdir, splitting: true })
  return `${outdir}/main.mjs`
}

/** The updater: one file, outdir/updater.mjs. */
export async function bundleUpdater(outdir = 'dist/updater'): Promise<string> {
  await build({ ...common, entryPoints: { updater: 'edge/update/main.ts' }, outdir })
  return `${outdir}/updater.mjs`
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' }, updater: { type: 'boolean' } } })
  const written = values.updater ? await bundleUpdater(values.outdir) : await bundleEdge(values.outdir)
  process.stdout.write(`wrote ${written}\n`)
}
