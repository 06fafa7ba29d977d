/** Escaping and the page shell shared by the register pages (server-rendered, no JavaScript needed). */
import { licenceInfo } from '../mappings.js'

export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

export interface PageShell {
  title: string
  body: string
  /** Extra attributes for <body>, e.g. data-live for the progressive script. */
  bodyAttrs?: string
}

export function page({ title, body, bodyAttrs = '' }: PageShell): string {
  const lic = licenceInfo()
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} – London street sensor register</title>
<link rel="stylesheet" href="/register-static/register.css">
<script src="/register-static/register.js" defer></script>
</head>
<body ${bodyAttrs}>
<a class="skip" href="#main">Skip to main content</a>
<header class="site"><p class="brand"><a href="/">London street sensor register</a></p>
<nav aria-label="Site"><ul><li><a href="/">Map and list</a></li><li><a href="/docs">Open data API</a></li></ul></nav></header>
<main id="main" tabindex="-1">
${body}
</main>
<footer class="site"><p>Data: <a href="${esc(lic.url)}" rel="license">${esc(lic.name)}</a> unless a sensor says otherwise. ${esc(lic.attribution)}
Borough boundaries: contains National Statistics and Ordnance Survey data © Crown copyright and database right 2015.</p></footer>
</body>
</html>`
}

export function formatNumber(value: number, field?: string): string {
  if (Number.isInteger(value)) return String(value)
  const digits = field === 'occupancy' ? 2 : 1
  return value.toFixed(digits)
}

export function humanDuration(iso: string): string {
  if (iso === 'indefinite') return 'indefinitely'
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/.exec(iso)
  if (!m) return iso
  const units = ['year', 'month', 'week', 'day']
  const parts = m
    .slice(1)
    .map((v, i) => (v ? `${Number(v)} ${units[i]}${Number(v) === 1 ? '' : 's'}` : ''))
    .filter(Boolean)
  return parts.join(', ')
}

export const LEGAL_BASIS: Record<string, string> = {
  public_task: 'public task (UK GDPR Article 6(1)(e))',
  legitimate_interests: 'legitimate interests (UK GDPR Article 6(1)(f))',
  legal_obligation: 'legal obligation (UK GDPR Article 6(1)(c))',
  consent: 'consent (UK GDPR Article 6(1)(a))',
  contract: 'contract (UK GDPR Article 6(1)(b))',
  vital_interests: 'vital interests (UK GDPR Article 6(1)(d))',
}

export function timeText(iso: string | null | undefined): string {
  if (!iso) return 'never'
  const d = new Date(iso)
  return `<time datetime="${esc(d.toISOString())}">${esc(d.toISOString().replace('T', ' ').slice(0, 16))} UTC</time>`
}
