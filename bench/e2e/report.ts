/** The markdown section bench/e2e writes into docs/benchmarks.md (bench:e2e markers). */
import { machineDetails } from '../machine.js'
import type { FlatRun } from './flat-run.js'
import type { LossReport } from './loss-check.js'
import { median } from './measure.js'
import { type PipelineName, ROLES, type Role } from './pipelines.js'
import type { StepResult } from './step.js'

export interface ReportInput {
  quick: boolean
  config: { sensors: number; runs: number; flatSeconds: number; stepSeconds: number; warmSeconds: number }
  raw: number
  flat: FlatRun[]
  steps: StepResult[]
  loss: LossReport
  loadBefore: number
  loadAfter: number
  seconds: number
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-GB') : 'n/a')
const us = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a')
const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n).toLocaleString('en-GB')} ms` : 'n/a')
const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a')
const ROLE_NAMES: Record<Role, string> = {
  load: 'load generator (the same for both)',
  broker: 'broker (plain Aedes / streetsense broker: auth + ACL + guards)',
  ingest: 'consumer (mqtt.js + ajv + batched writes / streetsense ingest)',
  influxd: 'influxd',
}

/** Per run: the two pipelines' results side by side and their ratio. */
export function pairs(flat: FlatRun[]) {
  const runs = [...new Set(flat.map((r) => r.run))]
  return runs.map((run) => {
    const of = (p: PipelineName) => flat.find((r) => r.run === run && r.pipeline === p)!
    const naive = of('naive')
    const ss = of('streetsense')
    return { run, first: run % 2 ? 'naive' : 'streetsense', naive, ss, ratio: ss.stored / naive.stored }
  })
}

export function headlineRatio(flat: FlatRun[]): number {
  return median(pairs(flat).map((p) => p.ratio))
}

function runTable(flat: FlatRun[]): string {
  const rows = pairs(flat).map(
    (p) =>
      `| ${p.run} | ${p.first} | ${fmt(p.naive.stored)} (${fmt(p.naive.steady)}) | ${fmt(p.ss.stored)} (${fmt(p.ss.steady)}) | ${x(p.ratio)} | ${ms(p.naive.drainMs)} / ${ms(p.ss.drainMs)} | ${fmt(p.naive.acked)} / ${fmt(p.ss.acked)} | ${p.naive.loss.lost} / ${p.ss.loss.lost} |`,
  )
  const med = (p: PipelineName, f: (r: FlatRun) => number) => median(flat.filter((r) => r.pipeline === p).map(f))
  rows.push(
    `| **median** | | **${fmt(med('naive', (r) => r.stored))}** (${fmt(med('naive', (r) => r.steady))}) | **${fmt(med('streetsense', (r) => r.stored))}** (${fmt(med('streetsense', (r) => r.steady))}) | **${x(headlineRatio(flat))}** | | | |`,
  )
  return `| run | first | naive readings/s stored (steady) | streetsense readings/s stored (steady) | ratio | drain naive / streetsense | acknowledged naive / streetsense | lost naive / streetsense |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}`
}

export function cpuMedians(flat: FlatRun[], p: PipelineName): Record<Role | 'total', number> {
  const runs = flat.filter((r) => r.pipeline === p)
  const per = Object.fromEntries(ROLES.map((r) => [r, median(runs.map((f) => f.usPerReading[r]))])) as Record<
    Role,
    number
  >
  const total = median(runs.map((f) => ROLES.reduce((a, r) => a + f.usPerReading[r], 0)))
  return { ...per, total }
}

function cpuTable(flat: FlatRun[]): string {
  const naive = cpuMedians(flat, 'naive')
  const ss = cpuMedians(flat, 'streetsense')
  const rows = [...ROLES, 'total' as const].map(
    (r) =>
      `| ${r === 'total' ? '**all four**' : ROLE_NAMES[r]} | ${us(naive[r])} | ${us(ss[r])} | ${x(ss[r] / naive[r])} |`,
  )
  const every = flat.map((f) => `| ${f.run} | ${f.pipeline} | ${ROLES.map((r) => us(f.usPerReading[r])).join(' | ')} |`)
  return `| process | naive µs/reading | streetsense µs/reading | streetsense / naive |
| --- | ---: | ---: | ---: |
${rows.join('\n')}

Every run (µs of CPU per reading stored):

| run | pipeline | ${ROLES.join(' | ')} |
| --- | --- | ${ROLES.map(() => '---:').join(' | ')} |
${every.join('\n')}`
}

function stepTable(steps: StepResult[]): string {
  const rows = steps.map(
    (s) =>
      `| ${s.pipeline} | ${s.label} | ${fmt(s.offered)} | ${fmt(s.published)} | ${fmt(s.stored)} | ${fmt(s.storedWithDrain)} | ${ms(s.p50)} | ${ms(s.p99)} | ${s.probes}${s.probesLost ? ` (**${s.probesLost} not seen**)` : ''} | ${ms(s.drainMs)} | ${ROLES.map((r) => s.cores[r].toFixed(2)).join(' | ')} |`,
  )
  return `| pipeline | step | offered/s | published/s | stored/s | stored incl. drain | p50 | p99 | probes | drain | ${ROLES.map((r) => `CPU ${r}`).join(' | ')} |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ${ROLES.map(() => '---:').join(' | ')} |
${rows.join('\n')}`
}

function lossLine(loss: LossReport, steps: StepResult[]): string {
  const probesLost = steps.reduce((a, s) => a + s.probesLost, 0)
  if (loss.lost > 0)
    return `**${fmt(loss.lost)} acknowledged readings missing** (of ${fmt(loss.acked)}): ${loss.problems.slice(0, 5).join('; ')}${loss.problems.length > 5 ? '; ...' : ''}`
  return `**none lost**: all ${fmt(loss.acked)} readings the brokers acknowledged to the sensors (of ${fmt(loss.published)} published, both pipelines, every run and step) were found in InfluxDB by sensor + seq, and ${probesLost === 0 ? 'every probe reading was seen' : `**${probesLost} probe readings were never seen**`}.`
}

/** The paced step whose stored rate is nearest half of the pipeline's flat-out median. */
function halfLoad(steps: StepResult[], flat: FlatRun[], p: PipelineName): StepResult | undefined {
  const sat = median(flat.filter((r) => r.pipeline === p).map((r) => r.stored))
  return steps
    .filter((s) => s.pipeline === p)
    .sort((a, b) => Math.abs(a.stored - sat / 2) - Math.abs(b.stored - sat / 2))[0]
}

export function renderReport(r: ReportInput): string {
  const ratio = headlineRatio(r.flat)
  const ssCpu = cpuMedians(r.flat, 'streetsense')
  const naiveCpu = cpuMedians(r.flat, 'naive')
  const half = (['streetsense', 'naive'] as const).map((p) => ({ p, s: halfLoad(r.steps, r.flat, p) }))
  return `### End to end against a naive pipeline: sensors -> broker -> consumer -> InfluxDB (bench/e2e/platform-bench.ts)

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineDetails()}, InfluxDB 1.6.7 (Debian)${r.quick ? ', **quick run (`--quick`)**' : ''}; the run took ${Math.round(r.seconds)} s. Load average (1 min) ${r.loadBefore.toFixed(1)} before, ${r.loadAfter.toFixed(1)} after: other work on the machine skews absolute figures; the ratios between pipelines measured minutes apart in the same run are the figures to compare.

- **Single-reading throughput: ${x(ratio)} naive** (median of ${r.config.runs} paired runs; goal >= 0.9x: ${ratio >= 0.9 ? 'met' : '**not met**'}).
- **Broker CPU per reading: ${x(ssCpu.broker / naiveCpu.broker)} plain Aedes** (${us(ssCpu.broker)} against ${us(naiveCpu.broker)} µs; goal <= 1.1x: ${ssCpu.broker / naiveCpu.broker <= 1.1 ? 'met' : '**not met**'}); ingest ${x(ssCpu.ingest / naiveCpu.ingest)} the naive consumer; the whole pipeline ${x(ssCpu.total / naiveCpu.total)}.
${half.map(({ p, s }) => `- Latency of ${p} at about half its saturation (step ${s?.label ?? 'n/a'}, ${fmt(s?.stored ?? Number.NaN)} readings/s stored): p50 ${ms(s?.p50 ?? Number.NaN)}, p99 ${ms(s?.p99 ?? Number.NaN)}.`).join('\n')}
- Loss check: ${lossLine(r.loss, r.steps)}

Set-up: ${r.config.sensors} sensors registered with \`streetsense sensors import\` over 5 boroughs. **streetsense**: \`streetsense broker\` (registry authentication, topic ACL, packet-size guard, overload guard on; per-device publish-rate and per-address connection limits off) and \`streetsense ingest\` with its production defaults (4 consumer connections, spool fsync group commit, 5,000-point writes), both at log level info. **naive**: plain Aedes 1.2 (memory persistence, no auth) and one mqtt.js consumer that acknowledges on receipt (no spool), checks each reading with the same compiled ajv schema, builds lines with the same template and POSTs 5,000-point batches (or every 100 ms), two in flight (bench/ingest/naive-consumer.ts). **Both** are driven by the same light load generator (bench/load: one raw TCP connection per sensor with that sensor's own authenticated CONNECT, pre-built single-reading QoS 1 PUBLISH packets of ~250 bytes patched per message, at most 20 unacknowledged per connection, PUBACKs counted per sensor) and each run starts on a fresh influxd. Every part is its own process, all on the same 2 cores as this process.

**Throughput**: each run drives one pipeline flat out for ${r.config.flatSeconds} s; stored readings/s = readings acknowledged to the sensors / (first publish -> InfluxDB has accepted the last of them, from influxd's own shard counters polled every 100 ms), so a pipeline that acknowledges fast and writes late is not flattered; "steady" is the slope of points stored from ${r.config.warmSeconds} s into the load to its end. The pipelines alternate which goes first.

${runTable(r.flat)}

**CPU per reading** (utime + stime from /proc/<pid>/stat over the run, from the first publish until the last reading was stored, divided by the readings stored; medians of the runs):

${cpuTable(r.flat)}

**Latency curve**: ${r.config.stepSeconds} s paced steps at the same offered rates for both pipelines, each on a fresh influxd. A probe sensor (registered, in a load borough) publishes a reading every 50 ms and this process polls InfluxDB every ~50 ms; latency = first poll that returns it - publish time (resolution ~50-100 ms). Stored/s is the slope of points stored from ${r.config.warmSeconds} s into the step to its end; drain is from the end of the load until every acknowledged reading was stored; CPU is cores (CPU time / wall time) over the loaded part.

![Stored readings/s and latency against offered load, streetsense and naive](img/e2e-throughput-latency.svg)

${stepTable(r.steps)}

For reference, raw InfluxDB on a fresh influxd (pre-built line protocol, 5,000-point POSTs, 2 in flight): ${fmt(r.raw)} points/s.
`
}
