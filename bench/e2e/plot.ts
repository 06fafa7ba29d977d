/**
 * Hand-written SVG for bench/e2e (no plotting dependency): left, readings/s stored against
 * readings/s offered, with the ideal line and the two ceilings; right, publish-to-queryable
 * latency p50 and p99 (log scale) against readings/s offered.
 */
export interface PlotPoint {
  offered: number
  stored: number
  p50: number
  p99: number
}

const W = 900
const H = 400
const PANEL = { w: 340, h: 270, top: 60 }
const LEFTS = [80, 530]
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
const k = (n: number) => (n >= 1000 ? `${Number((n / 1000).toFixed(n >= 10_000 ? 1 : 2))}k` : String(Math.round(n)))

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(v, 1)))
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p
  return 10 * p
}

function axes(left: number, xMax: number, yTicks: { v: number; y: number; text: string }[], labels: string[]): string {
  const { w, h, top } = PANEL
  const out: string[] = [`<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="#fff" stroke="#444"/>`]
  for (let i = 0; i <= 4; i++) {
    const x = left + (w * i) / 4
    out.push(`<line x1="${x}" y1="${top + h}" x2="${x}" y2="${top + h + 5}" stroke="#444"/>`)
    out.push(`<text x="${x}" y="${top + h + 20}" text-anchor="middle">${k((xMax * i) / 4)}</text>`)
  }
  for (const t of yTicks) {
    out.push(`<line x1="${left}" y1="${t.y}" x2="${left + w}" y2="${t.y}" stroke="#e3e3e3"/>`)
    out.push(`<text x="${left - 8}" y="${t.y + 4}" text-anchor="end">${t.text}</text>`)
  }
  out.push(`<text x="${left + w / 2}" y="${top + h + 42}" text-anchor="middle">${esc(labels[0]!)}</text>`)
  out.push(
    `<text transform="translate(${left - 58},${top + h / 2}) rotate(-90)" text-anchor="middle">${esc(labels[1]!)}</text>`,
  )
  out.push(`<text x="${left}" y="${top - 12}" font-weight="bold">${esc(labels[2]!)}</text>`)
  return out.join('\n')
}

const polyline = (pts: [number, number][], colour: string, dash = '') =>
  `<polyline fill="none" stroke="${colour}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>` +
  pts.map(([x, y]) => `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${colour}"/>`).join('')

export function plotSvg(points: PlotPoint[], ceilings: { raw: number; aedes: number }, title: string): string {
  const pts = [...points].sort((a, b) => a.offered - b.offered)
  const xMax = niceMax(Math.max(...pts.map((p) => p.offered)) * 1.05)
  const { w, h, top } = PANEL
  const body: string[] = []

  // Left: throughput. A ceiling above the axis is a labelled arrow instead of a line.
  const [l1, l2] = LEFTS as [number, number]
  const yMax = niceMax(Math.max(...pts.map((p) => Math.max(Number.isFinite(p.stored) ? p.stored : 0, p.offered))) * 1.1)
  const x1 = (v: number) => l1 + (Math.min(v, xMax) / xMax) * w
  const y1 = (v: number) => top + h - (Math.min(v, yMax) / yMax) * h
  const ticks1 = [0, 1, 2, 3, 4].map((i) => ({ v: (yMax * i) / 4, y: y1((yMax * i) / 4), text: k((yMax * i) / 4) }))
  body.push(axes(l1, xMax, ticks1, ['offered readings/s', 'stored readings/s', 'Throughput stored vs offered']))
  const diag = Math.min(xMax, yMax)
  body.push(
    `<line x1="${x1(0)}" y1="${y1(0)}" x2="${x1(diag)}" y2="${y1(diag)}" stroke="#999" stroke-dasharray="4 4"/>`,
  )
  let offScale = 0
  for (const [v, name, colour] of [
    [ceilings.aedes, 'plain Aedes QoS 1 relay', '#b35c00'],
    [ceilings.raw, 'raw InfluxDB writes', '#6a3d9a'],
  ] as const) {
    if (v <= yMax) {
      body.push(
        `<line x1="${l1}" y1="${y1(v)}" x2="${l1 + w}" y2="${y1(v)}" stroke="${colour}" stroke-dasharray="8 4"/>`,
      )
      body.push(`<text x="${l1 + w - 4}" y="${y1(v) - 5}" text-anchor="end" fill="${colour}">${name} ${k(v)}/s</text>`)
    } else {
      body.push(
        `<text x="${l1 + 8}" y="${top + 16 + 16 * offScale++}" fill="${colour}">↑ ${name}: ${k(v)}/s (above the axis)</text>`,
      )
    }
  }
  body.push(
    polyline(
      pts.filter((p) => Number.isFinite(p.stored)).map((p) => [x1(p.offered), y1(p.stored)]),
      '#1f77b4',
    ),
  )

  // Right: latency, log scale from 10 ms.
  const lat = pts.flatMap((p) => [p.p50, p.p99]).filter(Number.isFinite)
  const decades = Math.max(2, Math.ceil(Math.log10(Math.max(...lat, 100) * 1.3)) - 1)
  const y2 = (v: number) => top + h - ((Math.log10(Math.max(v, 10)) - 1) / decades) * h
  const ticks2 = Array.from({ length: decades + 1 }, (_, i) => 10 ** (i + 1)).map((v) => ({
    v,
    y: y2(v),
    text: v >= 1000 ? `${v / 1000} s` : `${v} ms`,
  }))
  body.push(axes(l2, xMax, ticks2, ['offered readings/s', 'publish → queryable', 'Latency vs offered (log scale)']))
  for (const t of ticks2.slice(0, -1))
    for (const m of [2, 5])
      body.push(`<line x1="${l2}" y1="${y2(t.v * m)}" x2="${l2 + w}" y2="${y2(t.v * m)}" stroke="#f0f0f0"/>`)
  const x2 = (v: number) => l2 + (Math.min(v, xMax) / xMax) * w
  body.push(
    polyline(
      pts.filter((p) => Number.isFinite(p.p50)).map((p) => [x2(p.offered), y2(p.p50)]),
      '#2ca02c',
    ),
  )
  body.push(
    polyline(
      pts.filter((p) => Number.isFinite(p.p99)).map((p) => [x2(p.offered), y2(p.p99)]),
      '#d62728',
      '6 3',
    ),
  )

  const legend = [
    ['#1f77b4', 'stored', ''],
    ['#999', 'stored = offered', '4 4'],
    ['#2ca02c', 'latency p50', ''],
    ['#d62728', 'latency p99', '6 3'],
  ]
    .map(([c, t, dash], i) => {
      const x = 80 + i * 200
      return `<line x1="${x}" y1="${H - 12}" x2="${x + 24}" y2="${H - 12}" stroke="${c}" stroke-width="3"${dash ? ` stroke-dasharray="${dash}"` : ''}/><text x="${x + 30}" y="${H - 8}">${t}</text>`
    })
    .join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" fill="#222">
<rect width="${W}" height="${H}" fill="#fafafa"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>
${body.join('\n')}
${legend}
</svg>
`
}
