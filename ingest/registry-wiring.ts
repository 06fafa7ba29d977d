/**
 * The ingest's own registry, opened only when no directory or registry is injected (tests of the
 * pipeline do not need SQLite).
 */
import type { IngestConfig } from './config.js'
import type { RegistryLike } from './directory/sensor-directory.js'

export async function openOwnRegistry(config: IngestConfig): Promise<RegistryLike & { close(): void }> {
  const { openRegistry } = await import('../registry/index.js')
  return openRegistry(config.dataDir)
}
