/** Prometheus metrics of one broker (own registry, so several brokers can live in one process). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

export const REFUSAL_REASONS = [
  'connection_rate',
  'max_connections',
  'login_throttled',
  'bad_credentials',
  'account_disabled',
  'bad_client_id',
  'client_gone',
  'publish_acl',
  'subscribe_acl',
  'packet_too_large',
  'command_invalid',
  'command_denied',
  'qos2_refused',
] as const

export type RefusalReason = (typeof REFUSAL_REASONS)[number]

export function createMetrics() {
  const registry = new Registry()
  const metrics = {
    registry,
    ...trafficMetrics(registry),
    refusals: new Counter({
      name: 'streetsense_broker_refusals_total',
      help: 'connections, logins, publishes and subscriptions refused, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    ...limitMetrics(registry),
  }
  for (const reason of REFUSAL_REASONS) metrics.refusals.inc({ reason }, 0)
  return metrics
}

export type BrokerMetrics = ReturnType<typeof createMetrics>

/** Connections and messages through the broker. */
function trafficMetrics(registry: Registry) {
  return {
    connections: new Gauge({
      name: 'streetsense_broker_connections',
      help: 'MQTT clients connected now',
      registers: [registry],
    }),
    connectionsTotal: new Counter({
      name: 'streetsense_broker_connections_total',
      help: 'MQTT connections accepted (CONNACK 0)',
      labelNames: ['role'] as const,
      registers: [registry],
    }),
    publishesIn: new Counter({
      name: 'streetsense_broker_publishes_in_total',
      help: 'PUBLISH packets received from clients and accepted',
      labelNames: ['qos'] as const,
      registers: [registry],
    }),
    publishesOut: new Counter({
      name: 'streetsense_broker_publishes_out_total',
      help: 'PUBLISH packets delivered to subscribers',
      registers: [registry],
    }),
    commands: new Counter({
      name: 'streetsense_broker_commands_total',
      help: 'commands to devices accepted on cmd topics (recorded and audited), by command',
      labelNames: ['command'] as const,
      registers: [registry],
    }),
  }
}

/** What the publish-rate limit and the overload guard hold back. */
function limitMetrics(registry: Registry) {
  return {
    publishDelayed: new Counter({
      name: 'streetsense_broker_publish_delayed_total',
      help: 'PUBLISH packets held back because a device exceeded its publish rate',
      registers: [registry],
    }),
    publishDelay: new Histogram({
      name: 'streetsense_broker_publish_delay_seconds',
      help: 'how long rate-limited PUBLISH packets were held',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    overloadPauses: new Counter({
      name: 'streetsense_broker_overload_pauses_total',
      help: 'times reading from publishers was paused because the delivery backlog was too high',
      registers: [registry],
    }),
    backlog: new Gauge({
      name: 'streetsense_broker_delivery_backlog',
      help: 'messages queued in the emitter',
      registers: [registry],
    }),
  }
}
