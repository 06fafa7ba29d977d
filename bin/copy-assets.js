#!/usr/bin/env node
// After `tsc`, copies what the compiled code reads at run time into dist/ (tsc copies only the
// JSON it imports): the register's static files and package.json (for the version).
import { cpSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
mkdirSync(dist, { recursive: true })
cpSync(join(root, 'register', 'static'), join(dist, 'register', 'static'), {
  recursive: true,
})
cpSync(join(root, 'package.json'), join(dist, 'package.json'))
cpSync(join(root, 'schemas', 'asyncapi.yaml'), join(dist, 'schemas', 'asyncapi.yaml'))
