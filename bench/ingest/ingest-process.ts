/** Our ingest in its own process, with the benchmark fleet as its sensor directory. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { ingestConfig } from '../../ingest/config.js'
import { staticDirectory } from '../../ingest/directory/sensor-directory.js'
import { startIngest } from '../../ingest/service.js'
import { BENCH_SENSORS } from './common.js'

const [mqttUrl, influxUrl, db] = process.argv.slice(2) as [string, string, string]
const dataDir = mkdtempSync(join(tmpdir(), 'bench-ingest-'))
const ingest = await startIngest(
  ingestConfig({
    dataDir,
    mqttUrl,
    influxUrl,
    influxDb: db,
    httpHost: '127.0.0.1',
    httpPort: 0,
    opsPort: 0,
    instance: 'bench',
    mqttConnections: 5,
    ...(process.env.BENCH_CHECK_THREADS ? { checkThreads: Number(process.env.BENCH_CHECK_THREADS) } : {}),
    ...(process.env.BENCH_COMMIT_MS ? { spoolCommitMs: Number(process.env.BENCH_COMMIT_MS) } : {}),
  }),
  {
    logger: pino({ level: 'warn' }),
    directory: staticDirectory(BENCH_SENSORS.map((s) => ({ ...s, status: 'active' }))),
  },
)
let cpuAtReady = process.cpuUsage()
const ready = setInterval(() => {
  if (ingest.readiness().ready) {
    clearInterval(ready)
    cpuAtReady = process.cpuUsage()
    console.log(JSON.stringify({ event: 'listening', dataDir }))
  }
}, 50)
// Points InfluxDB acknowledged, whenever the total moves: the run ends at the last 204, as the
// raw ceiling's does (polling InfluxDB's count would add its poll interval and load influxd).
let written = 0
setInterval(async () => {
  const total = (await ingest.metrics.written.get()).values[0]?.value ?? 0
  if (total !== written) {
    written = total
    console.log(JSON.stringify({ event: 'written', total, at: Date.now() }))
  }
}, 5).unref()
if (process.env.BENCH_TRACE) {
  // Where a backlog sits: accepted (durable) vs written, and the spool between them.
  setInterval(() => {
    const c = ingest.pipeline.counts()
    process.stderr.write(
      `trace accepted=${c.accepted} spool=${ingest.spool.depth()} inflight=${ingest.spool.inFlight()}\n`,
    )
  }, 1000).unref()
}
process.on('SIGTERM', () => {
  if (process.env.BENCH_TRACE) {
    // CPU of the whole process (every thread), per reading accepted: steadier than a rate on a busy machine.
    const { user, system } = process.cpuUsage(cpuAtReady)
    const readings = ingest.pipeline.counts().accepted
    process.stderr.write(
      `trace cpu ${((user + system) / 1000).toFixed(0)} ms, ${((user + system) / Math.max(1, readings)).toFixed(1)} us/reading\n`,
    )
  }
  ingest.close().then(() => process.exit(0))
})
