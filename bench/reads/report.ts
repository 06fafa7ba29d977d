/** The markdown section of bench/reads (bench:reads markers): device latency quiet vs under public reads. */
import type { LossReport } from '../e2e/loss-check.js'
import { median } from '../e2e/measure.js'
import type { StepResult } from '../e2e/step.js'
import { machineDetails } from '../machine.js'

export interface HttpLoad {
  sent: number
  statuses: Record<string, number>
  p50: number | null
  p99: number | null
  routes: Record<string, { n: number; p50: number | null; p99: number | null }>
}

export interface ReadStep {
  loaded: boolean
  step: StepResult
  http?: HttpLoad
}

export interface ReadsInput {
  config: { rate: number; clients: number; perClient: number; seconds: number; pairs: number; sensors: number }
  steps: ReadStep[]
  loss: LossReport
  seconds: number
}

const fmt = (n: number | null | undefined) =>
  n !== null && n !== undefined && Number.isFinite(n) ? Math.round(n).toLocaleString('en-GB') : 'n/a'

function row(s: ReadStep, seconds: number): string {
  const r = s.step
  const h = s.http
  const ok = h
    ? Object.entries(h.statuses)
        .filter(([c]) => c.startsWith('2') || c === '304')
        .reduce((x, [, n]) => x + n, 0)
    : 0
  const limited = h?.statuses['429'] ?? 0
  const other = h ? h.sent - ok - limited : 0
  const httpCols = h
    ? `${fmt(h.sent / seconds)} | ${fmt(ok)} | ${fmt(limited)} | ${other} | ${fmt(h.p50)} ms | ${fmt(h.p99)} ms`
    : '- | - | - | - | - | -'
  return `| ${r.label} | ${fmt(r.stored)} | ${fmt(r.p50)} ms | ${fmt(r.p99)} ms | ${r.probes}${r.probesLost ? ` (**${r.probesLost} not seen**)` : ''} | ${httpCols} | ${r.cores.ingest.toFixed(2)} | ${r.cores.influxd.toFixed(2)} |`
}

/** HTTP latency per route, over every loaded step. */
function routeTable(steps: ReadStep[]): string {
  const names = [...new Set(steps.flatMap((s) => Object.keys(s.http?.routes ?? {})))]
  const rows = names.map((name) => {
    const per = steps.flatMap((s) => (s.http?.routes[name] ? [s.http.routes[name]] : []))
    const n = per.reduce((a, x) => a + x.n, 0)
    return `| ${name} | ${n} | ${fmt(median(per.map((x) => x.p50 ?? Number.NaN)))} ms | ${fmt(median(per.map((x) => x.p99 ?? Number.NaN)))} ms |`
  })
  return `| route (public reads) | answers | p50 (median of steps) | p99 (median of steps) |
| --- | ---: | ---: | ---: |
${rows.join('\n')}`
}

export function readsMarkdown(r: ReadsInput): string {
  const { config: c } = r
  const p99 = (loaded: boolean) => median(r.steps.filter((s) => s.loaded === loaded).map((s) => s.step.p99))
  const p50 = (loaded: boolean) => median(r.steps.filter((s) => s.loaded === loaded).map((s) => s.step.p50))
  const ratio = p99(true) / p99(false)
  const lossLine =
    r.loss.lost === 0
      ? `**none lost** (all ${fmt(r.loss.acked)} acknowledged readings found by sensor + seq)`
      : `**${fmt(r.loss.lost)} acknowledged readings missing**`
  return `### Public reads against device intake (bench/reads/reads-bench.ts)

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineDetails()}; the run took ${Math.round(r.seconds)} s.

- **Device p99 publish -> queryable with the register under load: ${ratio.toFixed(2)}x the quiet figure** (median of ${c.pairs} loaded steps ${fmt(p99(true))} ms against ${fmt(p99(false))} ms quiet; p50 ${fmt(p50(true))} against ${fmt(p50(false))} ms; goal <= 1.2x: ${ratio <= 1.2 ? 'met' : '**not met**'}).
- Loss check: ${lossLine}.

Set-up: the streetsense pipeline of bench/e2e (${c.sensors} registered sensors, \`streetsense broker\`, \`streetsense ingest\` serving the register and open data API on its HTTP port, influxd) with the light load generator offering ${fmt(c.rate)} readings/s; a probe sensor publishes every 50 ms and this process polls InfluxDB every ~50 ms. Steps of ${c.seconds} s alternate quiet and loaded (the order alternating between pairs). Loaded: ${c.clients} public readers in their own process, each from its own loopback address (the rate limit is per address: 600 requests a minute by default, so each reads at ${c.perClient} requests/s, the limit), keep-alive, round-robin over \`/v1/sensors\`, \`/v1/sensors?format=geojson\`, \`/v1/sensors/{id}\`, six hours of raw readings, a day of hourly means, \`/v1/latest\`, the register page \`/\` and a sensor's page. CPU is cores over the loaded part of the step.

| step | stored readings/s | device p50 | device p99 | probes | HTTP requests/s | 2xx/304 | 429 | other | HTTP p50 | HTTP p99 | CPU ingest | CPU influxd |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${r.steps.map((s) => row(s, c.seconds)).join('\n')}

${routeTable(r.steps.filter((s) => s.loaded))}
`
}
