/**
 * The ingest's per-sensor counters (accepted, rejected, duplicates, gaps, last seq, last seen),
 * read by the register process from the ingest's own file, `<dataDir>/ingest-stats.sqlite`,
 * opened read-only through the ingest's public module. The ingest writes it once a second, so the
 * register sees counters at most about a second old and never writes. The file may not exist yet
 * (the register started before the ingest ever ran): it is opened on first use and retried.
 */
import type { Logger } from 'pino'
import { openSensorStats, type SensorStatsView } from '../ingest/index.js'
import type { OpenDataStats } from './api-context.js'

const RETRY_MS = 5_000

export interface IngestCounters extends OpenDataStats {
  close(): void
}

export function ingestCounters(dataDir: string, log: Logger): IngestCounters {
  let view: SensorStatsView | undefined
  let retryAt = 0
  const open = (): SensorStatsView | undefined => {
    if (view || Date.now() < retryAt) return view
    try {
      view = openSensorStats(dataDir, { readonly: true })
    } catch (err) {
      retryAt = Date.now() + RETRY_MS
      log.debug({ err: (err as Error).message }, 'ingest counters not readable yet')
    }
    return view
  }
  return {
    get(sensor) {
      try {
        return open()?.get(sensor)
      } catch (err) {
        // A locked or replaced file: the page shows no counters rather than failing.
        log.warn({ err: (err as Error).message }, 'could not read the ingest counters')
        return undefined
      }
    },
    close() {
      view?.close()
      view = undefined
    },
  }
}
