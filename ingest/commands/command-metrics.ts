/** Prometheus metrics of the ingest's commands to devices, in the ingest's metrics registry. */
import { Counter, type Registry } from 'prom-client'

export function createCommandMetrics(registry: Registry) {
  const metrics = {
    sent: new Counter({
      name: 'streetsense_ingest_commands_sent_total',
      help: 'Commands to devices the broker acknowledged, by command',
      labelNames: ['command'] as const,
      registers: [registry],
    }),
    expired: new Counter({
      name: 'streetsense_ingest_commands_expired_total',
      help: 'Queued commands whose expiry passed before they could be sent',
      registers: [registry],
    }),
    cancelled: new Counter({
      name: 'streetsense_ingest_commands_cancelled_total',
      help: 'Queued commands not sent because their issuer may no longer command that device',
      registers: [registry],
    }),
    results: new Counter({
      name: 'streetsense_ingest_command_results_total',
      help: "Devices' answers to commands: recorded, unmatched (no such command of that sensor, or a late accepted), invalid",
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  }
  for (const outcome of ['recorded', 'unmatched', 'invalid']) metrics.results.inc({ outcome }, 0)
  return metrics
}

export type CommandMetrics = ReturnType<typeof createCommandMetrics>
