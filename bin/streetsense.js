#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx streetsense` works from a fresh clone without a build.
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { register } from 'tsx/esm/api'

register()
const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.ts')
await import(pathToFileURL(main).href)
