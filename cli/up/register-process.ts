/**
 * `streetsense up` runs the register as its own process, as a borough's server does: public
 * rendering then has its own event loop and cannot starve device intake. The child is this same
 * CLI (`register` subcommand); its log lines go to the platform log, its ready line tells the port.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { extname } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export interface RegisterProcessOptions {
  dataDir: string
  host: string
  port: number
  influxUrl: string
  influxDb: string
  influxOrg?: string
  influxToken?: string
  /** The live feed's broker and reader account (the password goes by environment). */
  live?: { url: string; username: string; password: string }
  logFile: string
}

export interface RegisterProcess {
  port: number
  stop(): Promise<void>
}

/**
 * This CLI's entry point: from a checkout bin/streetsense.js (it loads tsx from this checkout, so
 * it works whatever the working directory), built JavaScript as it is.
 */
function cliCommand(): string[] {
  const here = fileURLToPath(import.meta.url)
  if (extname(here) !== '.ts') return [fileURLToPath(new URL('../main.js', import.meta.url))]
  return [fileURLToPath(new URL('../../bin/streetsense.js', import.meta.url))]
}

export async function startRegisterProcess(o: RegisterProcessOptions): Promise<RegisterProcess> {
  const args = ['register', '--data-dir', o.dataDir, '--http-host', o.host, '--http-port', String(o.port)]
  args.push('--influx-url', o.influxUrl, '--influx-db', o.influxDb)
  if (o.influxOrg !== undefined) args.push('--influx-org', o.influxOrg, '--influx-bucket', o.influxDb)
  if (o.live) args.push('--live-mqtt-url', o.live.url, '--live-mqtt-username', o.live.username)
  const child = spawn(process.execPath, [...cliCommand(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Secrets go by environment, never on a command line (`ps` shows those).
    env: {
      ...process.env,
      ...(o.influxToken ? { STREETSENSE_INFLUX_TOKEN: o.influxToken } : {}),
      ...(o.live ? { STREETSENSE_LIVE_MQTT_PASSWORD: o.live.password } : {}),
    },
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const log = createWriteStream(o.logFile, { flags: 'a' })
  child.stderr!.pipe(log, { end: false })
  const port = await readyPort(child, exited, (line) => log.write(`${line}\n`))
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(kill)
      log.end()
    },
  }
}

/** Waits for the child's `{"event":"listening","port":N}` line; every other line goes to `other`. */
function readyPort(
  child: ChildProcess,
  exited: Promise<number | null>,
  other: (line: string) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the register did not start within 120 s')), 120_000)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{"event":"listening"')) return other(line)
      clearTimeout(timer)
      resolve((JSON.parse(line) as { port: number }).port)
    })
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the register exited with code ${code} before it was ready`))
    })
  })
}
