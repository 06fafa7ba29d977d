/**
 * What the register tells the public about a sensor's governance, from the same records the
 * code enforces: its retention (the cutoff the ingest deletes by), the data-sharing agreements in
 * force that share it (the access rule's own list), and its DPIA records with their review dates.
 */
import { type DpiaRecord, retentionCutoff, reviewState, type SharingAgreement } from '../registry/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { boroughName } from '../schemas/index.js'
import type { ApiContext } from './api-context.js'

export interface AgreementView {
  reference: string
  borough: string
  partners: { code: string; name?: string }[]
  purpose: string
  starts: string
  review: string
  ends?: string
  sensors?: string[]
}

export interface DpiaView {
  reference: string
  title: string
  purpose: string
  url: string
  approved: string
  review: string
  review_overdue: boolean
}

export interface GovernanceView {
  /** `kept_for`: the register's retention; readings older than `deleted_before` are deleted (null: kept indefinitely). */
  retention: { kept_for: string; deleted_before: string | null }
  /** Agreements in force that share this sensor's readings (empty unless it is `shared`). */
  sharing_agreements: AgreementView[]
  dpias: DpiaView[]
}

export function agreementView(a: SharingAgreement): AgreementView {
  return {
    reference: a.reference,
    borough: a.borough,
    partners: a.partners.map((code) => ({ code, name: boroughName(code) })),
    purpose: a.purpose,
    starts: a.starts,
    review: a.review,
    ...(a.ends ? { ends: a.ends } : {}),
    ...(a.sensors ? { sensors: a.sensors } : {}),
  }
}

export function dpiaView(d: DpiaRecord, now: number): DpiaView {
  const { overdue } = reviewState(d.review, now)
  return {
    reference: d.reference,
    title: d.title,
    purpose: d.purpose,
    url: d.url,
    approved: d.approved,
    review: d.review,
    review_overdue: overdue,
  }
}

export function governanceView(ctx: ApiContext, entry: RegisterEntry): GovernanceView {
  const now = ctx.now()
  const cutoff = retentionCutoff(entry.retention, now)
  return {
    retention: {
      kept_for: entry.retention,
      deleted_before: cutoff === undefined ? null : new Date(cutoff).toISOString(),
    },
    sharing_agreements: ctx.access.agreementsSharing(entry, now).map(agreementView),
    dpias: ctx.registry.listDpias({ sensor: entry.id }).map((d) => dpiaView(d, now)),
  }
}
