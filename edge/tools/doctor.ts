/**
 * `edge doctor`: what a field engineer runs on a lamp column. Lists serial ports (without the
 * udevadm crash), opens each configured sensor and waits for a live frame, logs in to the broker
 * with the node's credentials, checks the clock, and says in plain words what is wrong.
 */
import mqtt from 'mqtt'
import type { Logger } from 'pino'
import { doctorClientId } from '../../schemas/index.js'
import { checkClock } from '../aggregate/clock-check.js'
import type { EdgeConfig } from '../config.js'
import { createDrivers, type DriverDeps } from '../sensors/create-driver.js'
import type { SensorDriver } from '../sensors/driver.js'
import { listSerialPorts } from '../sensors/list-ports.js'

export interface Check {
  name: string
  ok: boolean
  detail: string
  advice?: string
}

/**
 * Logs in as the node, beside its running agent: the client id is `<id>@doctor` with a clean
 * session, which the broker admits for a device's login check only (no publish, no subscribe).
 * The device's own id would take over the agent's connection, and with a clean session would
 * also throw away its session and the commands queued in it.
 */
export async function checkBrokerLogin(config: EdgeConfig, timeoutMs = 8000): Promise<Check> {
  const b = config.broker
  const clientId = doctorClientId(config.sensor.id)
  return new Promise((resolve) => {
    const client = mqtt.connect(b.url, {
      protocolVersion: 4,
      clientId,
      clean: true,
      username: b.username,
      password: b.password,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
    })
    const finish = (check: Check) => {
      clearTimeout(timer)
      client.end(true)
      resolve(check)
    }
    const timer = setTimeout(
      () =>
        finish({
          name: 'broker login',
          ok: false,
          detail: `no answer from ${b.url}`,
          advice: 'check the network, the URL and the firewall',
        }),
      timeoutMs,
    )
    client.on('connect', () =>
      finish({
        name: 'broker login',
        ok: true,
        detail: `logged in to ${b.url} as ${b.username ?? '(anonymous)'} (client id ${clientId})`,
      }),
    )
    client.on('error', (err) =>
      finish({
        name: 'broker login',
        ok: false,
        detail: `${b.url}: ${err.message}`,
        advice: loginAdvice(err, clientId),
      }),
    )
  })
}

/** What to do about a failed login, from the CONNACK code or the socket error. */
function loginAdvice(err: Error & { code?: number | string }, clientId: string): string {
  const { code } = err
  if (code === 4 || /bad user/i.test(err.message))
    return 'the broker refused the username/password: re-provision the node or rotate its credentials'
  if (code === 5 || /not authori[sz]ed/i.test(err.message))
    return 'the broker refused this node: is the sensor retired, or its account disabled (`streetsense sensors show ID`)?'
  if (code === 2 || /identifier rejected/i.test(err.message))
    return `the broker refused the client id ${clientId}: a broker older than this agent takes only the device's own id; upgrade it`
  if (code === 'ECONNREFUSED') return 'nothing listens at that address: is the broker running, and is the port right?'
  return 'is the broker running and reachable (network, URL, firewall)?'
}

export async function runDoctor(
  config: EdgeConfig,
  log: Logger,
  deps: DriverDeps & { frameTimeoutMs?: number } = {},
): Promise<Check[]> {
  const checks: Check[] = [await checkSerialPorts()]
  const drivers = await createDrivers(config, deps)
  // Each sensor's check is listed as soon as it has an answer.
  await Promise.all(drivers.map((d) => checkSensor(d, deps.frameTimeoutMs ?? 15_000, (c) => checks.push(c))))
  checks.push(await checkBrokerLogin(config))
  checks.push(await checkClockSync())
  log.debug({ checks }, 'doctor finished')
  return checks
}

async function checkSerialPorts(): Promise<Check> {
  const ports = await listSerialPorts()
  return {
    name: 'serial ports',
    ok: true,
    detail: ports.length
      ? ports.map((p) => p.path + (p.manufacturer ? ` (${p.manufacturer})` : '')).join(', ')
      : 'none found',
  }
}

/** Starts one driver and waits for its first frame or sample (or the timeout), then stops it. */
function checkSensor(d: SensorDriver, timeoutMs: number, report: (check: Check) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const faults: string[] = []
    let settled = false
    const done = (check: Check) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      report(check)
      d.stop().then(resolve, resolve)
    }
    const timer = setTimeout(
      () =>
        done({
          name: d.name,
          ok: false,
          detail: faults.length ? faults.slice(-3).join('; ') : 'no data arrived',
          advice:
            'check wiring (TX->RX, RX->TX, 5 V and GND), the port name, and that the serial console is off (raspi-config)',
        }),
      timeoutMs,
    )
    d.on('frame', (f) => done({ name: d.name, ok: true, detail: `live frame: ${f}` }))
    d.on('sample', (s) => done({ name: d.name, ok: true, detail: `live sample: ${JSON.stringify(s)}` }))
    d.on('fault', (e) => faults.push(`${e.code}: ${e.message}`))
    d.start().catch((e: Error) => faults.push(e.message))
  })
}

async function checkClockSync(): Promise<Check> {
  const clock = await checkClock()
  return {
    name: 'clock',
    ok: clock.synced,
    detail: `${clock.source}: ${clock.detail}`,
    advice: clock.synced
      ? undefined
      : 'enable NTP (`sudo timedatectl set-ntp true`) or install chrony; readings are flagged clock_unsynced until then',
  }
}

export function formatChecks(checks: Check[]): string {
  const lines = checks.map(
    (c) => `${c.ok ? 'OK  ' : 'FAIL'} ${c.name}: ${c.detail}${c.advice && !c.ok ? `\n     -> ${c.advice}` : ''}`,
  )
  const bad = checks.filter((c) => !c.ok).length
  lines.push(bad ? `${bad} problem(s) found.` : 'All checks passed.')
  return lines.join('\n')
}
