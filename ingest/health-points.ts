/**
 * The ingest's own health as a point (`ingest_health`) every healthIntervalMs: counters, spool and
 * quarantine depth, readings per second since the last point.
 */
import type { Pipeline } from './accept/pipeline.js'
import type { IngestConfig } from './config.js'
import type { Quarantine } from './quarantine/quarantine.js'
import type { Spool } from './spool/spool.js'
import { healthToLine } from './store/line-protocol.js'

export function startHealthPoints(
  config: Pick<IngestConfig, 'instance' | 'healthIntervalMs'>,
  deps: { pipeline: Pipeline; spool: Spool; quarantine: Quarantine },
): NodeJS.Timeout {
  const { pipeline, spool, quarantine } = deps
  let lastAccepted = 0
  let lastHealth = Date.now()
  return setInterval(() => {
    const now = Date.now()
    const counts = pipeline.counts()
    const rate = ((counts.accepted - lastAccepted) * 1000) / Math.max(1, now - lastHealth)
    lastAccepted = counts.accepted
    lastHealth = now
    const line = healthToLine(
      {
        instance: config.instance,
        ...counts,
        spoolDepth: spool.depth(),
        quarantineDepth: quarantine.count(),
        readingsPerSecond: Math.round(rate * 100) / 100,
      },
      now,
    )
    // Through the spool like any point, so an InfluxDB outage does not lose it either.
    spool.append({ lines: line, count: 1, source: 'ingest_health' }).catch(() => undefined)
  }, config.healthIntervalMs)
}
