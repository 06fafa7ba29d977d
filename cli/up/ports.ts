/**
 * The ports `streetsense up` binds, each with the option that moves it. They are checked before
 * anything starts, so a taken port ends `up` within seconds with one line naming the option to
 * change; a port taken in the moment between that check and the bind gets the same line.
 */
import { createServer } from 'node:net'
import { envName, flagName, StreetsenseError } from '../../core/index.js'
import type { UpSettings } from './up-settings.js'

type PortSetting = 'httpPort' | 'intakePort' | 'ingestOpsPort' | 'mqttPort' | 'brokerMetricsPort' | 'influxPort'

export interface PortUse {
  setting: PortSetting
  port: number
  host: string
  what: string
}

/** The ports this run will bind (0 = any free port, and an existing InfluxDB binds nothing here). */
export function platformPorts(settings: UpSettings): PortUse[] {
  const uses: PortUse[] = [
    { setting: 'httpPort', port: settings.httpPort, host: settings.host, what: 'HTTP: register, open data API' },
    { setting: 'intakePort', port: settings.intakePort, host: settings.host, what: 'HTTP device intake' },
    // The ingest's operator port (metrics, health) binds loopback whatever --host says.
    { setting: 'ingestOpsPort', port: settings.ingestOpsPort, host: '127.0.0.1', what: 'ingest metrics and health' },
    { setting: 'mqttPort', port: settings.mqttPort, host: settings.host, what: 'MQTT broker' },
    // The broker's metrics listener binds loopback whatever --host says.
    { setting: 'brokerMetricsPort', port: settings.brokerMetricsPort, host: '127.0.0.1', what: 'broker metrics' },
  ]
  if (!settings.influxUrl)
    uses.push({ setting: 'influxPort', port: settings.influxPort, host: '127.0.0.1', what: 'InfluxDB' })
  return uses.filter((u) => u.port !== 0)
}

/** The one line for a port that cannot be bound: what it is for, why, and the option to change. */
export function portError(use: PortUse, code: string | undefined, hint = ''): StreetsenseError {
  const flag = flagName(use.setting)
  const why =
    code === 'EACCES'
      ? 'needs root (ports below 1024 are privileged)'
      : `is already in use (\`ss -ltnp 'sport = :${use.port}'\` shows by what)`
  return new StreetsenseError(
    'IOT_UP_PORT_IN_USE',
    `port ${use.port} on ${use.host} (${use.what}) ${why}: choose another with ${flag} (or ${envName(use.setting)})${hint}`,
    flag.slice(2),
  )
}

/** An InfluxDB already on the port (Debian's influxdb service starts one on 8086) can be used as it is. */
async function influxHint(use: PortUse): Promise<string> {
  const url = `http://${use.host}:${use.port}`
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) })
    if (res.headers.get('x-influxdb-version'))
      return `; it is an InfluxDB: use it with --influx-url ${url}, or stop it (sudo systemctl stop influxdb)`
  } catch {
    // not HTTP, or not answering: no hint
  }
  return ''
}

function bindError(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'EADDRINUSE'))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)))
  })
}

/** Throws the first port that cannot be bound (two settings on one port count as taken too). */
export async function checkPortsFree(uses: PortUse[]): Promise<void> {
  const seen = new Map<number, PortUse>()
  for (const use of uses) {
    if (seen.has(use.port)) throw portError(use, 'EADDRINUSE')
    seen.set(use.port, use)
    const code = await bindError(use.port, use.host)
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw portError(use, code, use.setting === 'influxPort' && code === 'EADDRINUSE' ? await influxHint(use) : '')
    }
  }
}

/**
 * A listen error from a service (Node's EADDRINUSE with its port, or influxd's "listen tcp
 * 127.0.0.1:8086: bind: address already in use") as the line naming the option.
 */
export function explainListenError(err: unknown, uses: PortUse[]): unknown {
  const e = err as NodeJS.ErrnoException & { port?: number }
  const influxd = /listen tcp [^ ]*:(\d+): bind: (address already in use|permission denied)/.exec(e?.message ?? '')
  const code = influxd ? (influxd[2] === 'permission denied' ? 'EACCES' : 'EADDRINUSE') : e?.code
  const port = influxd ? Number(influxd[1]) : e?.port
  if (code !== 'EADDRINUSE' && code !== 'EACCES') return err
  const use = uses.find((u) => u.port === port)
  return use ? portError(use, code) : err
}
