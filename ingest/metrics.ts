/** Prometheus metrics of one ingest (own registry, so several ingests can share a test process). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Quarantine } from './quarantine/quarantine.js'
import type { Spool } from './spool/spool.js'

interface Makers {
  registry: Registry
  counter<L extends string = never>(name: string, help: string, labelNames?: readonly L[]): Counter<L>
  gauge(name: string, help: string): Gauge
}

function makers(registry: Registry): Makers {
  return {
    registry,
    counter: <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers: [registry] }),
    gauge: (name: string, help: string) => new Gauge({ name, help, registers: [registry] }),
  }
}

export function createIngestMetrics() {
  const m = makers(new Registry())
  return { registry: m.registry, ...intakeMetrics(m), ...repairMetrics(m), ...storeMetrics(m) }
}

/** Readings and messages taken in, refused, repeated or skipped. */
function intakeMetrics(m: Makers) {
  const { counter } = m
  return {
    // intake
    accepted: counter('streetsense_ingest_readings_accepted_total', 'Readings made durable in the spool, by sensor', [
      'sensor',
    ]),
    rejected: counter(
      'streetsense_ingest_messages_rejected_total',
      'Messages rejected to the quarantine, by sensor and code',
      ['sensor', 'code'],
    ),
    duplicates: counter(
      'streetsense_ingest_duplicates_total',
      'Readings whose seq was at or below the last seen (redelivery or replay), by sensor',
      ['sensor'],
    ),
    gaps: counter('streetsense_ingest_sequence_gaps_total', 'Sequence numbers skipped, by sensor', ['sensor']),
    scNotStored: counter(
      'streetsense_ingest_sc_values_not_stored_total',
      'Sensor.Community values not stored, by sensor and why (unknown_value_type, not_stored: no field, not a number, repeated)',
      ['sensor', 'why'],
    ),
    statuses: counter('streetsense_ingest_status_total', 'Device status messages stored'),
  }
}

/** Gap repair (ingest/repair/): gaps opened, repaired, given up; resend requests. */
function repairMetrics(m: Makers) {
  const { registry, counter } = m
  return {
    // gap repair (ingest/repair/)
    gapsOpened: counter('streetsense_ingest_gaps_opened_total', 'Seq gaps still missing after the grace period'),
    gapsRepaired: counter('streetsense_ingest_gaps_repaired_total', 'Opened gaps whose readings all arrived'),
    gapsUnrecoverable: counter(
      'streetsense_ingest_gaps_unrecoverable_total',
      'Gap ranges given up (recorded with the reason), by reason',
      ['reason'],
    ),
    readingsRecovered: counter('streetsense_ingest_readings_recovered_total', 'Readings that arrived in an opened gap'),
    readingsUnrecoverable: counter(
      'streetsense_ingest_readings_unrecoverable_total',
      'Missing readings given up, by reason',
      ['reason'],
    ),
    resendRequests: counter('streetsense_ingest_resend_requests_total', 'resend commands sent to devices'),
    gapsOpen: new Gauge({
      name: 'streetsense_ingest_gaps_open',
      help: 'Gaps followed now: in their grace period, or opened and being repaired',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    repairSeconds: new Histogram({
      name: 'streetsense_ingest_gap_repair_seconds',
      help: 'From noticing a gap to its last reading arriving (repaired gaps)',
      buckets: [1, 2, 5, 10, 30, 60, 120, 300, 900, 3600],
      registers: [registry],
    }),
  }
}

/** The spool, the quarantine, InfluxDB writes and the MQTT consumers. */
function storeMetrics(m: Makers) {
  const { registry, counter, gauge } = m
  return {
    // spool and quarantine
    spoolDepth: gauge('streetsense_ingest_spool_depth', 'Points in the spool'),
    quarantineDepth: gauge('streetsense_ingest_quarantine_depth', 'Rows in the quarantine'),
    quarantineBytes: gauge(
      'streetsense_ingest_quarantine_bytes',
      'Bytes of text the quarantine holds (its byte bound)',
    ),
    // InfluxDB
    written: counter('streetsense_ingest_influx_points_written_total', 'Points InfluxDB accepted'),
    writeSeconds: new Histogram({
      name: 'streetsense_ingest_influx_write_seconds',
      help: 'Duration of successful InfluxDB writes',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    writeFailures: counter(
      'streetsense_ingest_influx_write_failures_total',
      'Failed InfluxDB write attempts (retried)',
    ),
    influxQuarantined: counter(
      'streetsense_ingest_influx_points_quarantined_total',
      'Points InfluxDB refused (moved to the quarantine)',
    ),
    // MQTT
    mqttConnected: gauge('streetsense_ingest_mqtt_connections', 'Consumer connections currently up'),
    sessionsLost: counter(
      'streetsense_ingest_mqtt_sessions_lost_total',
      'Reconnects that found no session on the broker (subscriptions and queued messages gone; resubscribed)',
    ),
    backpressure: gauge(
      'streetsense_ingest_backpressure',
      '1 while the spool is full and acknowledgements are held back',
    ),
  }
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>

/** Sets the gauges read from the spool and the quarantine (before a scrape). */
export function refreshGauges(
  metrics: IngestMetrics,
  parts: { spool: Pick<Spool, 'depth'>; quarantine: Pick<Quarantine, 'count' | 'bytesStored'> },
): void {
  metrics.spoolDepth.set(parts.spool.depth())
  metrics.quarantineDepth.set(parts.quarantine.count())
  metrics.quarantineBytes.set(parts.quarantine.bytesStored())
}
