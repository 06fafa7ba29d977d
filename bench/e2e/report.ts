/** The markdown section bench/e2e writes into docs/benchmarks.md (bench:e2e markers). */
import { machineDetails } from '../machine.js'
import type { AedesCeiling } from './baselines.js'
import type { LossReport } from './loss-check.js'
import type { StepResult } from './step.js'

export interface ReportInput {
  quick: boolean
  config: { sensors: number; probeSeconds: number; stepSeconds: number; warmSeconds: number }
  raw: number
  aedes: AedesCeiling
  steps: StepResult[]
  loss: LossReport
  loadBefore: number
  loadAfter: number
  seconds: number
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-GB') : 'n/a')
const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n).toLocaleString('en-GB')} ms` : 'n/a')
const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a')

export function renderReport(r: ReportInput): string {
  const { steps, config } = r
  // A short window's slope can include catching up after the start: never count more than was published.
  const sustained = (s: StepResult) => (Number.isFinite(s.stored) ? Math.min(s.stored, s.published) : 0)
  const saturation = Math.max(...steps.map(sustained))
  const paced = steps.filter((s) => !s.label.startsWith('flat'))
  // The paced step whose stored rate is nearest half the saturation rate.
  const half = [...paced].sort((a, b) => Math.abs(a.stored - saturation / 2) - Math.abs(b.stored - saturation / 2))[0]
  const top = paced[paced.length - 1]
  const topKeptUp = top !== undefined && top.stored >= 0.95 * top.offered
  const probesLost = steps.reduce((a, s) => a + s.probesLost, 0)
  const rows = steps.map(
    (s) =>
      `| ${s.label} | ${fmt(s.offered)} | ${fmt(s.published)} | ${fmt(s.stored)} | ${fmt(s.storedWithDrain)} | ${ms(s.p50)} | ${ms(s.p99)} | ${s.probes}${s.probesLost ? ` (**${s.probesLost} not seen**)` : ''} | ${ms(s.drainMs)} |`,
  )
  const res = steps.map(
    (s) =>
      `| ${s.label} | ${fmt(s.rssMiB.broker)} | ${fmt(s.rssMiB.ingest)} | ${fmt(s.rssMiB.influxd)} | ${fmt(s.rssMiB.load)} | ${s.cores.broker.toFixed(2)} | ${s.cores.ingest.toFixed(2)} | ${s.cores.influxd.toFixed(2)} | ${s.cores.load.toFixed(2)} |`,
  )
  const lossLine =
    r.loss.lost === 0
      ? `**none lost**: all ${fmt(r.loss.acked)} readings the broker acknowledged to the sensors (of ${fmt(r.loss.published)} published) were found in InfluxDB by sensor + seq, and ${probesLost === 0 ? 'every probe reading was seen' : `**${probesLost} probe readings were never seen**`}.`
      : `**${fmt(r.loss.lost)} acknowledged readings missing** (of ${fmt(r.loss.acked)}): ${r.loss.problems.slice(0, 5).join('; ')}${r.loss.problems.length > 5 ? '; ...' : ''}`
  return `### End to end: sensors -> broker -> ingest -> InfluxDB (bench/e2e/platform-bench.ts)

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineDetails()}, InfluxDB 1.6.7 (Debian)${r.quick ? ', **quick run (`--quick`)**' : ''}; the run took ${Math.round(r.seconds)} s. Load average (1 min) ${r.loadBefore.toFixed(1)} before, ${r.loadAfter.toFixed(1)} after: other work on the machine skews absolute figures, the ratios to the baselines of the same run are the figures to compare.

Set-up: ${config.sensors} sensors registered with \`streetsense sensors import\` over 5 boroughs; \`streetsense broker\` with registry authentication and the topic ACL on (per-device publish-rate and per-address connection limits off, overload guard at its default); \`streetsense ingest\` with its defaults (4 consumer connections, spool fsync group commit, 5,000-point writes); influxd; a load generator holding one MQTT connection per sensor, each authenticated with that sensor's own credentials, publishing single-reading QoS 1 messages (~200 bytes, per-sensor seq, at most 20 unacknowledged per connection). Each is its own process, all on the same 2 cores with this process (which polls InfluxDB). A flat-out probe of ${config.probeSeconds} s finds saturation; then ${config.stepSeconds} s steps at 25%, 50%, 75%, 100% and 125% of it, and on upwards by 25% (at most 3 more) while the top step still stores at least 95% of what it is offered. Stored readings/s is the least-squares slope of the step's count in InfluxDB (polled every 250 ms) from ${config.warmSeconds} s into the step to its end. Latency: a probe sensor (registered, in a load borough) publishes a reading every 50 ms and this process polls InfluxDB every ~50 ms; latency = first poll that returns it - publish time (resolution ~50-100 ms). Drain: from the end of the offered load until every acknowledged reading of the step was queryable. Stored incl. drain: all the step's acknowledged readings / (first publish to the last of them queryable); unlike the steady figure it includes the backlog written after the load stopped.

![Stored readings/s and latency against offered load](img/e2e-throughput-latency.svg)

| baseline (same run) | result |
| --- | ---: |
| raw InfluxDB: pre-built line protocol, 5,000-point POSTs, 2 in flight | ${fmt(r.raw)} points/s |
| plain Aedes 1.2 QoS 1 relay, no auth: the same load generator (${config.sensors} connections, flat out) -> 1 subscriber acking on receipt; best of one run before and one after the platform | ${fmt(r.aedes.rate)} msgs/s (${fmt(r.aedes.received)}/${fmt(r.aedes.total)} delivered) |

| step | offered readings/s | published/s | stored readings/s | stored incl. drain | latency p50 | latency p99 | probes | drain |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

| step | RSS broker MiB | RSS ingest MiB | RSS influxd MiB | RSS load gen MiB | CPU broker (cores) | CPU ingest | CPU influxd | CPU load gen |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${res.join('\n')}

RSS is the peak of VmRSS sampled every 250 ms during the step (including its drain); CPU is (utime + stime) / wall time over the loaded part of the step.

- **Saturation: ${topKeptUp ? 'at least ' : ''}${fmt(saturation)} readings/s stored** (the highest stored rate of any step, capped at its published rate${topKeptUp ? '; **the top step still kept up, so the platform was not saturated**' : ''}): ${x(saturation / r.raw)} the raw InfluxDB ceiling, ${x(saturation / r.aedes.rate)} the plain Aedes relay.
- **Latency at about half that rate** (step ${half?.label ?? 'n/a'}, ${fmt(half?.stored ?? Number.NaN)} readings/s stored): p50 ${ms(half?.p50 ?? Number.NaN)}, p99 ${ms(half?.p99 ?? Number.NaN)}.
- Loss check: ${lossLine}
`
}
