/**
 * The parts of a sensor page about how far its figures can be trusted, in plain English: the
 * Daily Air Quality Index (or why there is none yet), the status of its data (provisional,
 * ratified, raw), the corrections applied to it, and how many readings arrived.
 */
import { DAQI_ADVICE, VALID_HOUR_COVERAGE } from '../daqi.js'
import { fieldMapping } from '../mappings.js'
import type { Completeness } from '../quality/completeness.js'
import type { SensorDetail } from '../sensor-view.js'
import { esc, formatNumber, timeText } from './html.js'

/** Flag endings in words, for the note next to a value left out of averages. */
const FLAG_WORDS: [RegExp, string][] = [
  [/_spike$/, 'a sudden spike'],
  [/_flatline$/, 'the sensor seems stuck (the same value for an hour or more)'],
  [/_fog$/, 'fog: the sensor counts water droplets as particles'],
  [/_humid$/, 'high humidity: this kind of sensor reads high'],
  [/_negative_strong$/, 'far below zero: a sensor fault'],
  [/_negative$/, 'slightly below zero, which is normal for this kind of sensor in clean air'],
  [/_(high|low)$/, 'outside the range this sensor or street can plausibly read'],
  [/_above_/, 'inconsistent particle sizes'],
  [/^clock_/, 'a fault in the sensor clock'],
  [/^device_suspect$/, 'the sensor reported a fault'],
]

export function flagWords(flag: string): string | undefined {
  return FLAG_WORDS.find(([re]) => re.test(flag))?.[1]
}

/** The note for one value of the newest reading: why it is left out of averages, or what to know. */
export function valueNote(d: SensorDetail, field: string): string {
  const reading = d.latest[0]
  if (!reading) return ''
  const flags = (reading.flags ?? []).filter((f) => f.startsWith(`${field}_`) || !/^(pm|no2|o3|so2)/.test(f))
  const words = [...new Set(flags.map(flagWords).filter(Boolean))].join('; ')
  if (reading.failed?.includes(field)) return `Left out of averages: ${words || 'failed a check'}.`
  return words ? `${words.charAt(0).toUpperCase()}${words.slice(1)}.` : ''
}

export function daqiSection(d: SensorDetail): string {
  if (d.kind !== 'air' || !d.open_data || !d.daqi) return ''
  const q = d.daqi
  if (q.pollutants.length === 0)
    return '<h2 id="daqi">Daily Air Quality Index</h2><p>This sensor does not measure PM2.5, PM10, NO₂ or ozone.</p>'
  const rows = q.pollutants
    .map((r) => {
      const label = esc(fieldMapping(r.pollutant)?.label)
      if (r.index === null || r.value === null || r.band === null) {
        return `<tr><th scope="row">${label}</th><td>${esc(r.averaging)}: ${r.hours_valid} of ${r.hours_needed} hours needed</td><td data-daqi="${esc(r.pollutant)}">Not enough data yet</td></tr>`
      }
      const corrected = r.corrected ? ', corrected' : ''
      // The band's colours are classes (pages/routes.ts adds them to the stylesheet): the page's
      // Content-Security-Policy allows no inline style.
      return `<tr><th scope="row">${label}</th><td>${esc(formatNumber(r.value))} µg/m³ (${esc(r.averaging)}${corrected})</td>
<td data-daqi="${esc(r.pollutant)}"><span class="daqi daqi-${Number(r.index)}">${r.index} ${esc(r.band)}</span></td></tr>`
    })
    .join('')
  const top = q.overall
  const overall =
    top.index === null || top.band === null
      ? `<p id="daqi-overall"><strong>Not enough data yet.</strong> The index needs a full averaging period of checked readings (for particles, at least 18 of the last 24 hours with ${VALID_HOUR_COVERAGE * 60} minutes or more of valid readings each), so a new or recently silent sensor has none.</p>`
      : `<p>Overall: <strong id="daqi-overall">${top.index} (${esc(top.band)})</strong>. ${esc(DAQI_ADVICE[top.band])}${top.reason ? ` <span class="note">(${esc(plainReason(top.reason))})</span>` : ''}</p>`
  return `<h2 id="daqi">Daily Air Quality Index${q.indicative ? ' (indicative)' : ''}</h2>
<p class="daqi-label" id="daqi-label">${esc(q.label)}.</p>
${overall}
<div class="table-wrap" tabindex="0" role="region" aria-label="DAQI by pollutant"><table><caption class="visually-hidden">DAQI by pollutant</caption><thead><tr><th scope="col">Pollutant</th><th scope="col">Mean</th><th scope="col">Index and band</th></tr></thead><tbody>${rows}</tbody></table></div>
<p class="note">The UK Daily Air Quality Index runs from 1 to 10: Low 1–3, Moderate 4–6, High 7–9, Very High 10. Each pollutant is averaged over its own period, ending at the last full hour: particles over 24 hours, nitrogen dioxide over 1 hour, ozone over 8 hours. Readings that failed a check are left out, and a period counts only when at least three quarters of it has valid readings.</p>`
}

const plainReason = (reason: string) =>
  reason.replace(
    /^without (.*): not enough data yet$/,
    (_, p: string) =>
      `not enough data yet for ${p
        .split(', ')
        .map((f) => fieldMapping(f)?.label ?? f)
        .join(', ')}`,
  )

function percent(c: Completeness | undefined): string {
  if (!c || c.ratio === null) return 'no readings to judge yet'
  const pct = `${Math.round(c.ratio * 1000) / 10}%`
  if (c.since === 'window') return `${pct} over the last ${c.window === '24h' ? '24 hours' : '30 days'}`
  const start = c.since === 'installed' ? 'it was installed' : 'its first reading'
  return `${pct} since ${start}, ${timeText(c.from)}`
}

/** How far the data has been checked, corrected, and how much of it arrived. */
export function dataQualitySection(d: SensorDetail): string {
  if (!d.open_data) return ''
  const ratified = d.data_quality.ratified
  const last = ratified[ratified.length - 1]
  const review = last
    ? `<p id="ratified-to">Reviewed (ratified) by the operator up to ${timeText(last.to)} (version ${last.version}).</p>`
    : '<p id="ratified-to">No period of this sensor\'s data has been ratified yet: all of it is provisional.</p>'
  const corrections = d.data_quality.corrections
    .map(
      (c) =>
        `<li data-correction="${esc(c.field)}">${esc(fieldMapping(c.field)?.label)} ${esc(c.label)}. ${fitWords(c.stats)}</li>`,
    )
    .join('')
  return `<h2 id="h-quality">How far the data has been checked</h2>
<dl class="statuses">
<dt>Provisional</dt><dd>Checked automatically as it arrived: for impossible values, sudden spikes, a stuck sensor, fog and high humidity, and clock faults. Values that fail a check are kept, marked, and left out of averages and of the air quality index. Provisional data may still change when it is reviewed.</dd>
<dt>Ratified</dt><dd>Reviewed by the operator for a period, against maintenance and calibration records. A later correction is published as a new version; earlier versions stay available.</dd>
<dt>Raw</dt><dd>Stored before automatic checks existed, and not checked since.</dd>
</dl>
${review}
${corrections ? `<h3>Corrections</h3><ul id="corrections">${corrections}</ul><p class="note">Corrected values are a separate series: the values as measured are always published too.</p>` : ''}
<p id="completeness">Readings received: ${percent(d.completeness?.['24h'])}; ${percent(d.completeness?.['30d'])}.</p>`
}

function fitWords(stats: Record<string, unknown>): string {
  const n = (k: string) => (typeof stats[k] === 'number' ? (stats[k] as number) : undefined)
  const parts = [
    n('r2') !== undefined ? `R² ${n('r2')!.toFixed(2)}` : '',
    n('rmse') !== undefined ? `RMSE ${n('rmse')!.toFixed(1)} µg/m³` : '',
    n('bias') !== undefined ? `bias ${n('bias')!.toFixed(1)} µg/m³` : '',
  ].filter(Boolean)
  const targets = stats.meets_targets === true ? ' It meets the US EPA performance targets for this pollutant.' : ''
  return parts.length > 0 ? `Fit against the reference: ${esc(parts.join(', '))}.${targets}` : ''
}
