#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx streetsense` works from a fresh clone without a
// build (`npm install` installs tsx, a dev dependency). An install without dev dependencies
// (`npm ci --omit=dev`) has no tsx: then it runs the built JavaScript (`npm run build`), as the
// image does.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
let tsx
try {
  tsx = await import('tsx/esm/api')
} catch {
  tsx = undefined
}
if (tsx) {
  tsx.register()
  await import(pathToFileURL(join(root, 'cli', 'main.ts')).href)
} else if (existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href)
} else {
  process.stderr.write('streetsense: run `npm install` (tsx runs the sources) or `npm run build` first\n')
  process.exit(1)
}
