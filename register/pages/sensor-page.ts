/** `/sensors/{id}`: one sensor in plain English, its latest readings, DAQI and a 24-hour chart. */
import { fieldMapping, licenceInfo } from '../mappings.js'
import { durationWords, everyWords, whenWords } from '../offline.js'
import type { ApiReading } from '../queries.js'
import type { SensorDetail } from '../sensor-view.js'
import { dpiaLine, keptFor, sharedAs } from './governance-sections.js'
import { esc, formatNumber, LEGAL_BASIS, page, timeText } from './html.js'
import { daqiSection, dataQualitySection, valueNote } from './quality-sections.js'

/** One value per field for the newest time: counts summed across lanes, other values averaged. */
export function latestSummary(latest: ApiReading[]): { time?: string; values: Record<string, number> } {
  const time = latest[0]?.time
  const rows = latest.filter((r) => r.time === time)
  const values: Record<string, number> = {}
  const n: Record<string, number> = {}
  for (const r of rows) {
    for (const [f, v] of Object.entries(r.values)) {
      values[f] = (values[f] ?? 0) + v
      n[f] = (n[f] ?? 0) + 1
    }
  }
  for (const f of Object.keys(values)) if (fieldMapping(f)?.aggregate === 'mean') values[f] = values[f]! / n[f]!
  return { time, values }
}

function personalData(d: SensorDetail): string {
  if (d.personal_data === 'none') {
    const dpia = dpiaLine(d)
    return `<p><strong>No.</strong> This sensor does not collect personal data.</p>${dpia ? `<dl>${dpia}</dl>` : ''}`
  }
  const what =
    d.personal_data === 'pseudonymised'
      ? 'It processes personal data on the device and only de-identified results leave it.'
      : 'Personal data leaves the device.'
  return `<p><strong>Yes.</strong> ${what}</p><dl>
<dt>Legal basis</dt><dd>${esc(LEGAL_BASIS[d.legal_basis ?? ''] ?? 'not stated')}</dd>
${dpiaLine(d)}
${d.privacy_notice_url ? `<dt>Privacy notice</dt><dd><a href="${esc(d.privacy_notice_url)}">Read the privacy notice</a></dd>` : ''}</dl>`
}

function latestTable(d: SensorDetail): string {
  if (!d.data_access)
    return `<p>This sensor's readings are not published as open data (sharing: ${esc(d.sharing)}).</p>`
  const { time, values } = latestSummary(d.latest)
  const corrected = d.kind === 'air' ? (d.latest[0]?.corrected ?? {}) : {}
  const anyCorrected = Object.keys(corrected).length > 0
  const rows = (d.measures ?? [])
    .concat(d.kind === 'traffic' ? ['total_vehicles' as never] : [])
    .map((f) => {
      const m = fieldMapping(f)
      if (!m) return ''
      const v = values[f]
      const c = corrected[f]
      const correctedCell = anyCorrected
        ? `<td data-corrected="${esc(f)}">${c === undefined ? '' : esc(formatNumber(c, f))}</td>`
        : ''
      return `<tr><th scope="row">${esc(m.label)}</th><td data-field="${esc(f)}" data-agg="${m.aggregate}">${v === undefined ? '–' : esc(formatNumber(v, f))}</td>${correctedCell}<td>${esc(m.unit)}</td><td data-note="${esc(f)}">${esc(d.kind === 'air' ? valueNote(d, f) : '')}</td></tr>`
    })
    .join('')
  const status = d.latest[0]?.status
  return `<p>Newest reading: <span id="latest-time">${timeText(time)}</span>${d.kind === 'traffic' ? ' (counts are for the reading interval, all lanes together)' : ''}${status ? `; status: <span id="latest-status">${esc(status)}</span>` : ''}.</p>
<div class="table-wrap" tabindex="0" role="region" aria-label="Latest readings"><table id="latest"><caption class="visually-hidden">Latest readings</caption>
<thead><tr><th scope="col">Measure</th><th scope="col">Value as measured</th>${anyCorrected ? '<th scope="col">Corrected</th>' : ''}<th scope="col">Unit</th><th scope="col">Note</th></tr></thead><tbody>${rows}</tbody></table></div>`
}

/** A silent sensor, said plainly near the top of its page. */
function offlineNotice(d: SensorDetail): string {
  const o = d.offline
  if (!o) return ''
  return `<p class="offline" id="offline" role="status"><strong>Offline since <time datetime="${esc(o.since)}">${esc(whenWords(o.since))}</time>.</strong> Nothing has been heard from this sensor for ${esc(durationWords(o.silent_seconds))}; it normally reports ${esc(everyWords(o.interval_seconds))}. The readings below are the last it sent.</p>`
}

export function sensorPage(d: SensorDetail, chartHtml: string, liveSeconds: number): string {
  const lic = licenceInfo(d.licence)
  const id = encodeURIComponent(d.id ?? '')
  const [lon, lat] = (d.location?.coordinates ?? []) as number[]
  const measures = (d.measures ?? [])
    .map((f) => fieldMapping(f))
    .filter((m) => m !== undefined)
    .map((m) => `<li>${esc(m.label)} (${esc(m.unit)})</li>`)
    .join('')
  const downloads = d.data_access
    ? `<ul><li><a href="/v1/sensors/${id}/readings?every=1h&amp;format=csv">Hourly values, last 24 hours (CSV)</a></li>
<li><a href="/v1/sensors/${id}/readings?every=1h">Hourly values, last 24 hours (JSON)</a></li>
<li><a href="/v1/sensors/${id}/readings?every=raw&amp;format=csv">Every reading, last 24 hours (CSV)</a></li>
<li><a href="/v1/sensors/${id}">Everything on this page (JSON)</a></li></ul>
<p>Choose other dates with the <code>from</code> and <code>to</code> parameters (see the <a href="/docs">API documentation</a>).</p>`
    : `<p>Only the register entry is public: <a href="/v1/sensors/${id}">JSON</a>.</p>`
  const body = `<nav aria-label="Breadcrumb" class="crumbs"><a href="/">All sensors</a> › ${esc(d.borough_name)}</nav>
<h1>${esc(d.name)}</h1>
<p class="lead">${d.kind === 'air' ? 'An air quality' : 'A traffic'} sensor in ${esc(d.borough_name)}, <span class="status status-${esc(d.status)}">${esc(d.status)}</span>. Register id <code>${esc(d.id)}</code>.</p>
${offlineNotice(d)}
<div class="cols"><section aria-labelledby="h-latest"><h2 id="h-latest">What it reads now</h2>
<div id="live" aria-live="polite">${latestTable(d)}</div>
<noscript><p class="note">This page shows the readings as they were when it loaded: reload it for newer ones.</p></noscript>
${daqiSection(d)}
<h2>The last 24 hours</h2>${d.data_access ? chartHtml : '<p>Not published.</p>'}
${dataQualitySection(d)}
</section>
<section aria-labelledby="h-about"><h2 id="h-about">Why it is here</h2><p>${esc(d.purpose)}</p>
<h2>Who runs it</h2><p>${esc(d.operator?.name)}</p><ul>
<li>Email: <a href="mailto:${esc(d.operator?.email)}">${esc(d.operator?.email)}</a></li>
${d.operator?.url ? `<li>Website: <a href="${esc(d.operator.url)}">${esc(d.operator.url)}</a></li>` : ''}
${d.operator?.phone ? `<li>Phone: <a href="tel:${esc(d.operator.phone.replace(/\s/g, ''))}">${esc(d.operator.phone)}</a></li>` : ''}</ul>
<h2>What it measures</h2><ul>${measures}</ul>
<h2>Does it collect personal data?</h2>${personalData(d)}
<h2>What happens to the data</h2><dl>
<dt>Kept for</dt><dd id="kept-for">${keptFor(d)}</dd>
<dt>Licence</dt><dd><a href="${esc(lic.url)}" rel="license">${esc(lic.name)}</a></dd>
<dt>Shared as</dt><dd id="shared-as">${sharedAs(d)}</dd>
<dt>Data grade</dt><dd>${esc(d.data_grade ?? 'not stated')}${d.data_grade === 'reference' ? '' : ' (a low-cost sensor: its figures are indicative)'}; see <a href="#h-quality">how far the data has been checked</a></dd>
<dt>Last heard from</dt><dd>${timeText(d.last_seen)}</dd></dl>
<h2>Where it is</h2><dl>
${d.address ? `<dt>Address</dt><dd>${esc(d.address)}</dd>` : ''}
<dt>Borough</dt><dd>${esc(d.borough_name)} (${esc(d.borough)})</dd>
<dt>Coordinates</dt><dd>${esc(lat)}, ${esc(lon)} (latitude, longitude)</dd>
${d.uprn ? `<dt>UPRN (the object it is mounted on)</dt><dd>${esc(d.uprn)}</dd>` : ''}
${d.usrn ? `<dt>USRN (the street)</dt><dd>${esc(d.usrn)}</dd>` : ''}</dl>
${d.hardware ? `<h2>Hardware</h2><p>${esc([d.hardware.manufacturer, d.hardware.model].filter(Boolean).join(', '))}${d.hardware.sensors?.length ? `: ${esc(d.hardware.sensors.join(', '))}` : ''}</p>` : ''}
<h2>Download its data</h2>${downloads}
</section></div>`
  return page({
    title: d.name ?? 'Sensor',
    body,
    bodyAttrs: `data-page="sensor" data-sensor="${esc(d.id)}" data-live-seconds="${liveSeconds}"`,
  })
}
