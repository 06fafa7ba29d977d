/**
 * The ingest's own registry, opened only when no directory or registry is injected (tests of the
 * pipeline do not need SQLite).
 */
import type { Registry } from '../registry/index.js'
import type { IngestConfig } from './config.js'

export async function openOwnRegistry(config: IngestConfig): Promise<Registry> {
  const { openRegistry } = await import('../registry/index.js')
  return openRegistry(config.dataDir)
}
