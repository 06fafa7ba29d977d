/** A server-rendered 24-hour chart (inline SVG, no script), with a data table as its text alternative. */
import type { FieldMapping } from '../mappings.js'
import type { ApiReading } from '../queries.js'
import { esc, formatNumber } from './html.js'
import { notEnoughData } from './thin-data.js'

const W = 640
const H = 240
const PAD = { left: 56, right: 12, top: 12, bottom: 36 }
const DAY_MS = 86_400_000
// Distinguishable for common colour-vision deficiencies, and each line also has its own dash pattern.
const STYLES = [
  { colour: '#0b5cab', dash: '' },
  { colour: '#b35900', dash: '6 3' },
  { colour: '#6a3d9a', dash: '2 3' },
]

export interface ChartOptions {
  id: string
  title: string
  fields: FieldMapping[]
  rows: ApiReading[]
  now: number
  bars?: boolean
}

interface Series {
  f: FieldMapping
  points: { t: number; v: number }[]
}

/** Where things go on the canvas: time and value to x and y, and the y axis' top. */
interface Scale {
  from: number
  max: number
  x(t: number): number
  y(v: number): number
}

function niceMax(v: number): number {
  if (v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= v) ?? 10) * p
}

const fmt = (n: number) => Math.round(n * 10) / 10
const style = (i: number) => STYLES[i % STYLES.length]!
const dashAttr = (dash: string) => (dash ? `stroke-dasharray="${dash}"` : '')

function seriesOf(fields: FieldMapping[], rows: ApiReading[]): Series[] {
  return fields.map((f) => ({
    f,
    points: rows.flatMap((r) =>
      r.values[f.field] === undefined ? [] : [{ t: Date.parse(r.time), v: r.values[f.field]! }],
    ),
  }))
}

const highest = (present: Series[]) => Math.max(...present.flatMap((s) => s.points.map((p) => p.v)))

function scaleOf(present: Series[], now: number): Scale {
  const from = now - DAY_MS
  const max = niceMax(highest(present))
  return {
    from,
    max,
    x: (t) => PAD.left + ((t - from) / DAY_MS) * (W - PAD.left - PAD.right),
    y: (v) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom),
  }
}

function axes(s: Scale): string {
  const grid = [0, 0.5, 1]
    .map((k) => {
      const yy = fmt(s.y(s.max * k))
      return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" class="grid"/><text x="${PAD.left - 6}" y="${yy + 4}" text-anchor="end">${formatNumber(s.max * k)}</text>`
    })
    .join('')
  const ticks = [0, 6, 12, 18, 24]
    .map((h) => {
      const t = s.from + h * 3_600_000
      const label = new Date(t).toISOString().slice(11, 16)
      const anchor = h === 0 ? 'start' : h === 24 ? 'end' : 'middle'
      return `<text x="${fmt(s.x(t))}" y="${H - 10}" text-anchor="${anchor}">${label}</text>`
    })
    .join('')
  return grid + ticks
}

function plot(present: Series[], s: Scale, bars: boolean | undefined): string {
  return present
    .map((series, i) => {
      const st = style(i)
      if (bars) {
        const w = Math.max(2, (W - PAD.left - PAD.right) / 26)
        return series.points
          .map(
            (p) =>
              `<rect x="${fmt(s.x(p.t))}" y="${fmt(s.y(p.v))}" width="${fmt(w)}" height="${fmt(s.y(0) - s.y(p.v))}" fill="${st.colour}"/>`,
          )
          .join('')
      }
      const d = series.points.map((p, j) => `${j ? 'L' : 'M'}${fmt(s.x(p.t))},${fmt(s.y(p.v))}`).join('')
      return `<path d="${d}" fill="none" stroke="${st.colour}" stroke-width="2" ${dashAttr(st.dash)}/>`
    })
    .join('')
}

function legend(present: Series[]): string {
  return present
    .map((s, i) => {
      const st = style(i)
      return `<li><svg width="24" height="10" aria-hidden="true" focusable="false"><line x1="0" x2="24" y1="5" y2="5" stroke="${st.colour}" stroke-width="3" ${dashAttr(st.dash)}/></svg> ${esc(s.f.label)} (${esc(s.f.unit)})</li>`
    })
    .join('')
}

/** The same values as a table, one row per time, for screen readers and anyone who wants numbers. */
function dataTable(title: string, present: Series[], rows: ApiReading[]): string {
  const times = [...new Set(rows.map((r) => r.time))].sort()
  const head = present.map((s) => `<th scope="col">${esc(s.f.label)} (${esc(s.f.unit)})</th>`).join('')
  const body = times
    .map((t) => {
      const cells = present
        .map((s) => {
          const v = rows.find((r) => r.time === t)?.values[s.f.field]
          return `<td>${v === undefined ? '' : formatNumber(v, s.f.field)}</td>`
        })
        .join('')
      return `<tr><th scope="row">${esc(t.slice(0, 16).replace('T', ' '))}</th>${cells}</tr>`
    })
    .join('')
  return `<details><summary>Show the chart's data as a table</summary><div class="table-wrap"><table><caption>${esc(title)}</caption>
<thead><tr><th scope="col">Time (UTC)</th>${head}</tr></thead>
<tbody>${body}</tbody></table></div></details>`
}

export function chart24h(opts: ChartOptions): string {
  const present = seriesOf(opts.fields, opts.rows).filter((s) => s.points.length > 0)
  if (present.length === 0) return `<p>No readings in the last 24 hours.</p>`
  // One point draws no line: an empty chart would suggest nothing was measured.
  const most = Math.max(...present.map((s) => s.points.length))
  if (most < 2) {
    const period = opts.bars ? 'hourly totals' : '15-minute means'
    return notEnoughData(most, period, opts.rows[0]?.time) + dataTable(opts.title, present, opts.rows)
  }
  const scale = scaleOf(present, opts.now)
  const unit = present[0]!.f.unit
  const described = `${present.map((s) => s.f.label).join(', ')} over the last 24 hours, in ${unit}; highest ${formatNumber(highest(present))}.`
  return `<figure class="chart">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${opts.id}-title ${opts.id}-desc" focusable="false">
<title id="${opts.id}-title">${esc(opts.title)}</title>
<desc id="${opts.id}-desc">${esc(described)}</desc>
<g class="axes">${axes(scale)}</g>${plot(present, scale, opts.bars)}
</svg>
<figcaption>${esc(opts.title)} (times in UTC)<ul class="legend">${legend(present)}</ul></figcaption>
</figure>${dataTable(opts.title, present, opts.rows)}`
}
