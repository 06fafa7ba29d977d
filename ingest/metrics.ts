/** Prometheus metrics of one ingest (own registry, so several ingests can share a test process). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

export function createIngestMetrics() {
  const registry = new Registry()
  const m = {
    registry,
    accepted: new Counter({
      name: 'streetsense_ingest_readings_accepted_total',
      help: 'Readings made durable in the spool, by sensor',
      labelNames: ['sensor'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'streetsense_ingest_messages_rejected_total',
      help: 'Messages rejected to the quarantine, by sensor and code',
      labelNames: ['sensor', 'code'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'streetsense_ingest_duplicates_total',
      help: 'Readings whose seq was at or below the last seen (redelivery or replay), by sensor',
      labelNames: ['sensor'],
      registers: [registry],
    }),
    gaps: new Counter({
      name: 'streetsense_ingest_sequence_gaps_total',
      help: 'Sequence numbers skipped, by sensor',
      labelNames: ['sensor'],
      registers: [registry],
    }),
    statuses: new Counter({
      name: 'streetsense_ingest_status_total',
      help: 'Device status messages stored',
      registers: [registry],
    }),
    spoolDepth: new Gauge({
      name: 'streetsense_ingest_spool_depth',
      help: 'Points in the spool',
      registers: [registry],
    }),
    quarantineDepth: new Gauge({
      name: 'streetsense_ingest_quarantine_depth',
      help: 'Rows in the quarantine',
      registers: [registry],
    }),
    written: new Counter({
      name: 'streetsense_ingest_influx_points_written_total',
      help: 'Points InfluxDB accepted',
      registers: [registry],
    }),
    writeSeconds: new Histogram({
      name: 'streetsense_ingest_influx_write_seconds',
      help: 'Duration of successful InfluxDB writes',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    writeFailures: new Counter({
      name: 'streetsense_ingest_influx_write_failures_total',
      help: 'Failed InfluxDB write attempts (retried)',
      registers: [registry],
    }),
    influxQuarantined: new Counter({
      name: 'streetsense_ingest_influx_points_quarantined_total',
      help: 'Points InfluxDB refused (moved to the quarantine)',
      registers: [registry],
    }),
    mqttConnected: new Gauge({
      name: 'streetsense_ingest_mqtt_connections',
      help: 'Consumer connections currently up',
      registers: [registry],
    }),
    backpressure: new Gauge({
      name: 'streetsense_ingest_backpressure',
      help: '1 while the spool is full and acknowledgements are held back',
      registers: [registry],
    }),
  }
  return m
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>
