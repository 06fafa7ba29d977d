/**
 * A platform as real processes for security tests: a real influxd, `streetsense broker` and
 * `streetsense ingest` on one data directory (whose sensors and accounts the test issued), the
 * ingest ready (subscribed) before this resolves. stop() ends them, last started first.
 */
import { type InfluxServer, startInfluxd } from './influxd.js'
import { waitFor } from './ports.js'
import { type BrokerProcess, type IngestProcess, type Issued, startBroker, startIngest } from './processes.js'

export interface PlatformProcesses {
  influx: InfluxServer
  broker: BrokerProcess
  ingest: IngestProcess
  stop(): Promise<void>
}

export async function startPlatformProcesses(o: {
  dataDir: string
  ingestAccount: Issued
  influxDb: string
  brokerArgs?: string[]
  ingestArgs?: string[]
}): Promise<PlatformProcesses> {
  const influx = await startInfluxd()
  const broker = await startBroker(o.dataDir, o.brokerArgs ?? [])
  const ingest = await startIngest({
    dataDir: o.dataDir,
    mqttUrl: broker.url,
    username: o.ingestAccount.username,
    password: o.ingestAccount.password,
    influxUrl: influx.url,
    args: ['--influx-db', o.influxDb, ...(o.ingestArgs ?? [])],
  })
  await waitFor(async () => (await fetch(`${ingest.opsUrl}/readyz`)).ok, 30_000, 'ingest ready')
  return {
    influx,
    broker,
    ingest,
    async stop() {
      await ingest.stop()
      await broker.stop()
      await influx.stop()
    },
  }
}
