/**
 * Hand-written SVG line charts for the benchmark pages (no plotting dependency): one or two
 * panels side by side, each with named series, optional horizontal reference lines (a value
 * above the axis becomes a labelled arrow), linear or log-10 y axis.
 */
export interface ChartSeries {
  name: string
  colour: string
  dash?: string
  points: [number, number][]
}

export interface ChartPanel {
  title: string
  xLabel: string
  yLabel: string
  logY?: boolean
  series: ChartSeries[]
  lines?: { name: string; colour: string; value: number }[]
  /** Draw y = x (stored = offered). */
  diagonal?: boolean
}

const W = 900
const PANEL = { w: 340, h: 270, top: 60 }
const LEFTS = [80, 530]
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
export const k = (n: number) =>
  n >= 1000 ? `${Number((n / 1000).toFixed(n >= 10_000 ? 1 : 2))}k` : String(Number(n.toPrecision(3)))

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(v, 1)))
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p
  return 10 * p
}

const polyline = (pts: [number, number][], colour: string, dash = '') =>
  `<polyline fill="none" stroke="${colour}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>` +
  (pts.length <= 40
    ? pts.map(([x, y]) => `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.5" fill="${colour}"/>`).join('')
    : '')

function yScale(panel: ChartPanel, ys: number[]) {
  const { h, top } = PANEL
  if (panel.logY) {
    const lo = Math.floor(Math.log10(Math.max(1, Math.min(...ys, 10))))
    const decades = Math.max(2, Math.ceil(Math.log10(Math.max(...ys, 100) * 1.3)) - lo)
    const y = (v: number) => top + h - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / decades) * h
    const ticks = Array.from({ length: decades + 1 }, (_, i) => 10 ** (i + lo))
    return { y, ticks, max: 10 ** (lo + decades) }
  }
  const max = niceMax(Math.max(...ys, 1) * 1.1)
  return {
    y: (v: number) => top + h - (Math.min(v, max) / max) * h,
    ticks: [0, 1, 2, 3, 4].map((i) => (max * i) / 4),
    max,
  }
}

function drawPanel(left: number, panel: ChartPanel): string {
  const { w, h, top } = PANEL
  const xs = panel.series.flatMap((s) => s.points.map((p) => p[0])).filter(Number.isFinite)
  const ys = panel.series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite)
  const xMax = niceMax(Math.max(...xs, 1) * 1.05)
  const x = (v: number) => left + (Math.min(v, xMax) / xMax) * w
  const { y, ticks, max } = yScale(panel, panel.diagonal ? [...ys, Math.min(xMax, Math.max(...ys))] : ys)
  const out = [`<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="#fff" stroke="#444"/>`]
  for (let i = 0; i <= 4; i++) {
    const tx = left + (w * i) / 4
    out.push(`<line x1="${tx}" y1="${top + h}" x2="${tx}" y2="${top + h + 5}" stroke="#444"/>`)
    out.push(`<text x="${tx}" y="${top + h + 20}" text-anchor="middle">${k((xMax * i) / 4)}</text>`)
  }
  for (const t of ticks) {
    out.push(`<line x1="${left}" y1="${y(t)}" x2="${left + w}" y2="${y(t)}" stroke="#e3e3e3"/>`)
    out.push(`<text x="${left - 8}" y="${y(t) + 4}" text-anchor="end">${k(t)}</text>`)
  }
  out.push(`<text x="${left + w / 2}" y="${top + h + 42}" text-anchor="middle">${esc(panel.xLabel)}</text>`)
  out.push(
    `<text transform="translate(${left - 58},${top + h / 2}) rotate(-90)" text-anchor="middle">${esc(panel.yLabel)}</text>`,
  )
  out.push(`<text x="${left}" y="${top - 12}" font-weight="bold">${esc(panel.title)}</text>`)
  if (panel.diagonal) {
    const d = Math.min(xMax, max)
    out.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(d)}" y2="${y(d)}" stroke="#999" stroke-dasharray="4 4"/>`)
  }
  let above = 0
  for (const l of panel.lines ?? []) {
    if (l.value <= max) {
      out.push(
        `<line x1="${left}" y1="${y(l.value)}" x2="${left + w}" y2="${y(l.value)}" stroke="${l.colour}" stroke-dasharray="8 4"/>`,
      )
      out.push(
        `<text x="${left + w - 4}" y="${y(l.value) - 5}" text-anchor="end" fill="${l.colour}">${esc(l.name)} ${k(l.value)}</text>`,
      )
    } else
      out.push(
        `<text x="${left + 8}" y="${top + 16 + 16 * above++}" fill="${l.colour}">↑ ${esc(l.name)}: ${k(l.value)} (above the axis)</text>`,
      )
  }
  for (const s of panel.series) {
    const pts = s.points
      .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b))
      .map(([a, b]) => [x(a), y(b)] as [number, number])
    out.push(polyline(pts, s.colour, s.dash))
  }
  return out.join('\n')
}

export function lineChart(title: string, panels: ChartPanel[]): string {
  const names = new Map<string, ChartSeries>()
  for (const p of panels) for (const s of p.series) names.set(s.name, s)
  const rows = Math.ceil(names.size / 4)
  const H = 400 + 20 * (rows - 1)
  const legend = [...names.values()]
    .map((s, i) => {
      const lx = 80 + (i % 4) * 200
      const ly = H - 12 - 20 * (rows - 1 - Math.floor(i / 4))
      return `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.colour}" stroke-width="3"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><text x="${lx + 30}" y="${ly + 4}">${esc(s.name)}</text>`
    })
    .join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" fill="#222">
<rect width="${W}" height="${H}" fill="#fafafa"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>
${panels.map((p, i) => drawPanel(LEFTS[i]!, p)).join('\n')}
${legend}
</svg>
`
}
