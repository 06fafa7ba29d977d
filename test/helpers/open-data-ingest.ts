/**
 * The ingest's HTTP app with the register / open data API mounted (startIngest with openData,
 * no MQTT), on a real influxd and a registry whose sensor and accounts are issued by the real
 * `streetsense sensors` CLI. For HTTP security and fuzz tests.
 */
import { pino } from 'pino'
import { mountRegister } from '../../cli/wiring/mount-register.js'
import { ingestConfig } from '../../ingest/config.js'
import { type RunningIngest, startIngest } from '../../ingest/index.js'
import { type InfluxServer, startInfluxd } from './influxd.js'
import { addAccount, addSensor, type Issued, tempDir } from './processes.js'

export const CAMDEN = 'E09000007'
const HACKNEY = 'E09000012'

export interface OpenDataIngest {
  url: string
  ingest: RunningIngest
  influx: InfluxServer
  dataDir: string
  /** Every secret issued for this registry (must never appear in a public response). */
  secrets: Record<string, Issued>
  close(): Promise<void>
}

export async function startOpenDataIngest(): Promise<OpenDataIngest> {
  const data = tempDir('ss-http-')
  const secrets: Record<string, Issued> = {}
  secrets.device = await addSensor(data.dir, 'cam-1', CAMDEN)
  secrets.hackneyDevice = await addSensor(data.dir, 'hack-1', HACKNEY, 'traffic')
  secrets.camdenAdmin = await addAccount(data.dir, 'camden-admin', 'admin', [CAMDEN])
  secrets.hackneyAdmin = await addAccount(data.dir, 'hackney-admin', 'admin', [HACKNEY])
  secrets.ingest = await addAccount(data.dir, 'ingest', 'ingest')
  const influx = await startInfluxd()
  const config = ingestConfig({ dataDir: data.dir, httpHost: '127.0.0.1', httpPort: 0, influxUrl: influx.url })
  const ingest = await startIngest(config, {
    mount: mountRegister(config),
    mqtt: false,
    logger: pino({ level: 'silent' }),
  })
  return {
    url: `http://127.0.0.1:${ingest.port}`,
    ingest,
    influx,
    dataDir: data.dir,
    secrets,
    async close() {
      await ingest.close()
      await influx.stop()
      data.remove()
    },
  }
}

export const basic = (c: Issued) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`
