/** The agent version for the status heartbeat: the nearest package.json above this module (works from the source tree, a build or a bundle). */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

export function agentVersion(): string {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'streetsense' && pkg.version) {
        cached = pkg.version
        return cached
      }
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir)
  }
  cached = 'unknown'
  return cached
}
