/** A server-rendered 24-hour chart (inline SVG, no script), with a data table as its text alternative. */
import type { FieldMapping } from '../mappings.js'
import type { ApiReading } from '../queries.js'
import { esc, formatNumber } from './html.js'

const W = 640
const H = 240
const PAD = { left: 56, right: 12, top: 12, bottom: 36 }
// Distinguishable for common colour-vision deficiencies, and each line also has its own dash pattern.
const STYLES = [
  { colour: '#0b5cab', dash: '' },
  { colour: '#b35900', dash: '6 3' },
  { colour: '#6a3d9a', dash: '2 3' },
]

function niceMax(v: number): number {
  if (v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= v) ?? 10) * p
}

export function chart24h(opts: {
  id: string
  title: string
  fields: FieldMapping[]
  rows: ApiReading[]
  now: number
  bars?: boolean
}): string {
  const { fields, rows, now } = opts
  const from = now - 86_400_000
  const series = fields.map((f) => ({
    f,
    points: rows.flatMap((r) =>
      r.values[f.field] === undefined ? [] : [{ t: Date.parse(r.time), v: r.values[f.field]! }],
    ),
  }))
  const present = series.filter((s) => s.points.length > 0)
  if (present.length === 0) return `<p>No readings in the last 24 hours.</p>`
  const max = niceMax(Math.max(...present.flatMap((s) => s.points.map((p) => p.v))))
  const x = (t: number) => PAD.left + ((t - from) / 86_400_000) * (W - PAD.left - PAD.right)
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom)
  const fmt = (n: number) => Math.round(n * 10) / 10
  const grid = [0, 0.5, 1]
    .map((k) => {
      const yy = fmt(y(max * k))
      return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" class="grid"/><text x="${PAD.left - 6}" y="${yy + 4}" text-anchor="end">${formatNumber(max * k)}</text>`
    })
    .join('')
  const ticks = [0, 6, 12, 18, 24]
    .map((h) => {
      const t = from + h * 3_600_000
      const label = new Date(t).toISOString().slice(11, 16)
      const anchor = h === 0 ? 'start' : h === 24 ? 'end' : 'middle'
      return `<text x="${fmt(x(t))}" y="${H - 10}" text-anchor="${anchor}">${label}</text>`
    })
    .join('')
  const unit = present[0]!.f.unit
  const lines = present
    .map((s, i) => {
      const st = STYLES[i % STYLES.length]!
      if (opts.bars) {
        const w = Math.max(2, (W - PAD.left - PAD.right) / 26)
        return s.points
          .map(
            (p) =>
              `<rect x="${fmt(x(p.t))}" y="${fmt(y(p.v))}" width="${fmt(w)}" height="${fmt(y(0) - y(p.v))}" fill="${st.colour}"/>`,
          )
          .join('')
      }
      const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${fmt(x(p.t))},${fmt(y(p.v))}`).join('')
      return `<path d="${d}" fill="none" stroke="${st.colour}" stroke-width="2" ${st.dash ? `stroke-dasharray="${st.dash}"` : ''}/>`
    })
    .join('')
  const legend = present
    .map((s, i) => {
      const st = STYLES[i % STYLES.length]!
      return `<li><svg width="24" height="10" aria-hidden="true" focusable="false"><line x1="0" x2="24" y1="5" y2="5" stroke="${st.colour}" stroke-width="3" ${st.dash ? `stroke-dasharray="${st.dash}"` : ''}/></svg> ${esc(s.f.label)} (${esc(s.f.unit)})</li>`
    })
    .join('')
  const times = [...new Set(rows.map((r) => r.time))].sort()
  const table = `<details><summary>Show the chart's data as a table</summary><div class="table-wrap"><table><caption>${esc(opts.title)}</caption>
<thead><tr><th scope="col">Time (UTC)</th>${present.map((s) => `<th scope="col">${esc(s.f.label)} (${esc(s.f.unit)})</th>`).join('')}</tr></thead>
<tbody>${times
    .map(
      (t) =>
        `<tr><th scope="row">${esc(t.slice(0, 16).replace('T', ' '))}</th>${present
          .map((s) => {
            const v = rows.find((r) => r.time === t)?.values[s.f.field]
            return `<td>${v === undefined ? '' : formatNumber(v, s.f.field)}</td>`
          })
          .join('')}</tr>`,
    )
    .join('')}</tbody></table></div></details>`
  return `<figure class="chart">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${opts.id}-title ${opts.id}-desc" focusable="false">
<title id="${opts.id}-title">${esc(opts.title)}</title>
<desc id="${opts.id}-desc">${esc(`${present.map((s) => s.f.label).join(', ')} over the last 24 hours, in ${unit}; highest ${formatNumber(Math.max(...present.flatMap((s) => s.points.map((p) => p.v))))}.`)}</desc>
<g class="axes">${grid}${ticks}</g>${lines}
</svg>
<figcaption>${esc(opts.title)} (times in UTC)<ul class="legend">${legend}</ul></figcaption>
</figure>${table}`
}
