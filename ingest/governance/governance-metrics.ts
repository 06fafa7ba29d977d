/**
 * Governance metrics of the ingest, for alerting (deploy/prometheus/rules): reviews of DPIAs and
 * data-sharing agreements past their date, erasures waiting, and what retention deleted. Read
 * from the registry when Prometheus scrapes; only this instance's boroughs (all when it has none).
 */
import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client'
import { type Registry, utcDay } from '../../registry/index.js'

export type GovernanceSource = Pick<Registry, 'listDpias' | 'listAgreements' | 'listErasures'>

export function createGovernanceMetrics(reg: PromRegistry, registry: GovernanceSource, boroughs: readonly string[]) {
  const mine = (borough: string) => boroughs.length === 0 || boroughs.includes(borough)
  return {
    reviewsOverdue: new Gauge({
      name: 'streetsense_governance_reviews_overdue',
      help: 'DPIA records and data-sharing agreements (not ended) whose review date has passed, by kind and borough',
      labelNames: ['kind', 'borough'] as const,
      registers: [reg],
      collect() {
        this.reset()
        const today = utcDay(Date.now())
        for (const d of registry.listDpias()) {
          if (mine(d.borough) && d.review < today) this.inc({ kind: 'dpia', borough: d.borough })
        }
        for (const a of registry.listAgreements()) {
          const ended = a.ends !== undefined && a.ends < today
          if (mine(a.borough) && !ended && a.review < today) this.inc({ kind: 'agreement', borough: a.borough })
        }
      },
    }),
    erasuresWaiting: new Gauge({
      name: 'streetsense_erasures_waiting',
      help: "Erasure requests of this ingest's boroughs not yet carried out (pending or running)",
      registers: [reg],
      collect() {
        const waiting = (status: 'pending' | 'running') =>
          registry.listErasures({ status, boroughs, limit: 10_000 }).length
        this.set(waiting('pending') + waiting('running'))
      },
    }),
    erasures: new Counter({
      name: 'streetsense_erasures_total',
      help: 'Erasures carried out by this ingest, by outcome (done, failed)',
      labelNames: ['outcome'] as const,
      registers: [reg],
    }),
    retentionDeleted: new Counter({
      name: 'streetsense_retention_deleted_points_total',
      help: 'Points deleted from InfluxDB because they were older than their sensor retention',
      registers: [reg],
    }),
    retentionLastSuccess: new Gauge({
      name: 'streetsense_retention_last_success_timestamp_seconds',
      help: 'When retention last ran to the end without an error',
      registers: [reg],
    }),
  }
}

export type GovernanceMetrics = ReturnType<typeof createGovernanceMetrics>
