/** Whether the ingest can take data now, and why not: what /readyz answers. */
import type { IngestConfig } from './config.js'
import type { Readiness } from './http/ops-routes.js'
import type { Spool } from './spool/spool.js'
import type { InfluxWriter } from './store/influx-writer.js'
import type { Consumers } from './subscribe/consumers.js'

export function readinessOf(
  config: Pick<IngestConfig, 'spoolMaxLines'>,
  parts: { spool: Spool; writer: InfluxWriter; consumers?: Consumers },
): Readiness {
  const { spool, writer, consumers } = parts
  const reasons: string[] = []
  if (spool.isFull()) reasons.push(`spool full (${spool.depth()} of ${config.spoolMaxLines} points): not acknowledging`)
  const connections = consumers?.describe() ?? []
  const down = connections.filter((c) => !c.connected)
  if (down.length > 0) reasons.push(`MQTT not connected: ${down.map((c) => c.clientId).join(', ')}`)
  // Connected but not yet granted its filters: a reading published now would be queued for no one.
  const waiting = connections.filter((c) => c.connected && !c.subscribed)
  if (waiting.length > 0) reasons.push(`MQTT not subscribed yet: ${waiting.map((c) => c.clientId).join(', ')}`)
  const influx = writer.health()
  return {
    ready: reasons.length === 0,
    reasons,
    detail: {
      spoolDepth: spool.depth(),
      spoolMaxLines: config.spoolMaxLines,
      influxReachable: influx.reachable,
      ...(influx.lastError ? { influxLastError: influx.lastError } : {}),
      mqtt: connections,
    },
  }
}
