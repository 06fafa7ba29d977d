/**
 * Bundles the edge agent (edge/main.ts and what it imports from schemas/ and core/) into
 * plain ES modules with esbuild (a dev dependency), npm packages left external, with code
 * splitting so driver modules (johnny-five!) still load only when a config uses them. A Pi then
 * runs `node dist/edge/main.mjs`: no TypeScript loader in memory (tsx costs ~30 MB of RSS).
 * Usage: node --import tsx deploy/bundle-edge.ts [--outdir dist/edge]
 */
import { parseArgs } from 'node:util'
import { build } from 'esbuild'

const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist/edge' } } })
await build({
  entryPoints: ['edge/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outdir: values.outdir,
  splitting: true,
  outExtension: { '.js': '.mjs' },
  sourcemap: true,
  logLevel: 'warning',
})
process.stdout.write(`wrote ${values.outdir}/main.mjs\n`)
