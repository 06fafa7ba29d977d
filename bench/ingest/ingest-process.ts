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
    instance: 'bench',
    mqttConnections: 5,
    ...(process.env.BENCH_COMMIT_MS ? { spoolCommitMs: Number(process.env.BENCH_COMMIT_MS) } : {}),
  }),
  {
    logger: pino({ level: 'warn' }),
    directory: staticDirectory(BENCH_SENSORS.map((s) => ({ ...s, status: 'active' }))),
  },
)
const ready = setInterval(() => {
  if (ingest.readiness().ready) {
    clearInterval(ready)
    console.log(JSON.stringify({ event: 'listening', dataDir }))
  }
}, 50)
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
  ingest.close().then(() => process.exit(0))
})
