/**
 * The two HTTP services of a platform on a real influxd, in this process: the ingest's device
 * intake (startIngest, no MQTT) and the register with the open data API and admin API
 * (startRegister), sharing a data directory whose sensors and accounts are issued by the real
 * `streetsense sensors` CLI. For HTTP security and fuzz tests. (Tests that need the services as
 * separate processes use startRegisterProcess / startIngest in processes.ts.)
 */
import { pino } from 'pino'
import { ingestConfig } from '../../ingest/config.js'
import { type RunningIngest, startIngest } from '../../ingest/index.js'
import { type RunningRegister, registerConfig, startRegister } from '../../register/index.js'
import { type InfluxServer, startInfluxd } from './influxd.js'
import { addAccount, addSensor, type Issued, tempDir } from './processes.js'

export const CAMDEN = 'E09000007'
const HACKNEY = 'E09000012'

export interface OpenDataIngest {
  /** The register's public port. */
  url: string
  /** The ingest's device intake port. */
  intakeUrl: string
  /** The ingest's operator port (/metrics, /healthz, /readyz). */
  opsUrl: string
  ingest: RunningIngest
  register: RunningRegister
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
  const logger = pino({ level: 'silent' })
  const local = { httpHost: '127.0.0.1', httpPort: 0 }
  const config = ingestConfig({ dataDir: data.dir, ...local, opsPort: 0, influxUrl: influx.url })
  const ingest = await startIngest(config, { mqtt: false, logger })
  const register = await startRegister(registerConfig({ dataDir: data.dir, ...local, influxUrl: influx.url }), {
    logger,
  })
  return {
    url: `http://127.0.0.1:${register.port}`,
    intakeUrl: `http://127.0.0.1:${ingest.port}`,
    opsUrl: `http://127.0.0.1:${ingest.opsPort}`,
    ingest,
    register,
    influx,
    dataDir: data.dir,
    secrets,
    async close() {
      await register.close()
      await ingest.close()
      await influx.stop()
      data.remove()
    },
  }
}

export const basic = (c: Issued) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`
