/**
 * The register page's governance wording, from the records the code enforces (governance-view.ts):
 * how long readings are kept (the ingest deletes older ones), who the data is shared with and
 * under which agreement, and the DPIA with its review date ("review due ..." or "review overdue").
 */
import { boroughName } from '../../schemas/index.js'
import type { AgreementView, DpiaView } from '../governance-view.js'
import type { SensorDetail } from '../sensor-view.js'
import { esc, humanDuration } from './html.js'

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })

/** 2026-12-31 as "31 December 2026". */
export function dayText(isoDay: string): string {
  return DAY.format(new Date(`${isoDay}T00:00:00Z`))
}

function names(codes: readonly string[]): string {
  const list = codes.map((c) => boroughName(c) ?? c)
  return list.length < 2 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`
}

export function keptFor(d: SensorDetail): string {
  const retention = d.governance.retention
  if (retention.deleted_before === null) return 'indefinitely'
  return `${esc(humanDuration(retention.kept_for))}; older readings are deleted automatically`
}

function agreementText(a: AgreementView): string {
  return `${esc(names(a.partners.map((p) => p.code)))} (agreement <span class="ref">${esc(a.reference)}</span>, ${esc(a.purpose)}; in force since ${esc(dayText(a.starts))}${a.ends ? `, until ${esc(dayText(a.ends))}` : ''}; review due ${esc(dayText(a.review))})`
}

export function sharedAs(d: SensorDetail): string {
  const owner = esc(d.borough_name ?? d.borough)
  if (d.sharing === 'open') return 'open data, free for anyone to use'
  if (d.sharing === 'restricted') return `restricted: only ${owner}'s own accounts can read its readings`
  const agreements = d.governance.sharing_agreements
  if (agreements.length === 0) {
    return `shared with partner boroughs, but no data-sharing agreement is in force, so only ${owner}'s own accounts can read its readings`
  }
  return `shared with partner boroughs under a data-sharing agreement: ${agreements.map(agreementText).join('; ')}`
}

function dpiaText(r: DpiaView): string {
  const review = r.review_overdue
    ? `<strong class="overdue">review overdue since ${esc(dayText(r.review))}</strong>`
    : `review due ${esc(dayText(r.review))}`
  return `<a href="${esc(r.url)}">${esc(r.title)}</a> (<span class="ref">${esc(r.reference)}</span>, approved ${esc(dayText(r.approved))}; ${review})`
}

/** The DPIA line: its records with review dates; else the entry's DPIA link (or "not published" when personal data needs one). */
export function dpiaLine(d: SensorDetail): string {
  const records = d.governance.dpias
  if (records.length > 0) {
    return `<dt>Data protection impact assessment</dt><dd id="dpia">${records.map(dpiaText).join('<br>')}</dd>`
  }
  if (d.personal_data === 'none') return ''
  const link = d.dpia_url ? `<a href="${esc(d.dpia_url)}">Read the DPIA</a>` : 'not published'
  return `<dt>Data protection impact assessment</dt><dd id="dpia">${link}</dd>`
}
