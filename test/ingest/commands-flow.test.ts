/**
 * Commands from operators to devices, end to end against real processes: `streetsense broker`,
 * `streetsense ingest`, `streetsense register` (the admin API) and `streetsense edge run`
 * (edge/main.ts), accounts issued by the `sensors` CLI. An operator commands its device through
 * the admin API and the `devices` CLI and reads the answer; another borough's operator, a reader,
 * a body that is not JSON and bad arguments are refused; a device offline receives its command
 * when it reconnects and refuses the one that expired meanwhile; a command straight over MQTT
 * (mosquitto_pub) is recorded and answered too; answers that are not valid are counted, never
 * stored, and never reach the quarantine. The ingest's own sendCommand (gap repair) sends only
 * resend and status, in its boroughs.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StreetsenseError } from '../../core/index.js'
import { ingestConfig, startIngest as startIngestInProcess } from '../../ingest/index.js'
import { openRegistry, type Registry } from '../../registry/index.js'
import { type AgentProcess, spawnAgent, stopAgent } from '../edge/helpers/agent-process.js'
import { freePort, waitFor } from '../helpers/ports.js'
import {
  addAccount,
  type BrokerProcess,
  cli,
  type IngestProcess,
  type Issued,
  importSensors,
  type RegisterProcess,
  runCommand,
  startBroker,
  startIngest,
  startRegisterProcess,
  tempDir,
} from '../helpers/processes.js'

const CAMDEN = 'E09000007'
const HACKNEY = 'E09000012'

interface CommandJson {
  id: string
  command: string
  by: string
  state: string
  status: string
  expires_at: string
  result: { status: string; reason?: string; code?: string; detail?: Record<string, unknown> } | null
}

describe('commands from operators to devices (real broker, ingest and edge agent)', () => {
  const data = tempDir('ss-commands-')
  const creds: Record<string, Issued> = {}
  let broker: BrokerProcess
  let ingest: IngestProcess
  let register: RegisterProcess
  let registry: Registry
  let agent: AgentProcess | undefined
  let agentConfig: string
  let watcher: MqttClient
  const readings: string[] = []

  const api = (
    path: string,
    who: string | undefined,
    init: { method?: string; body?: unknown; type?: string } = {},
  ) => {
    const headers: Record<string, string> = {}
    if (who) headers.authorization = `Basic ${Buffer.from(`${who}:${creds[who]!.password}`).toString('base64')}`
    if (init.body !== undefined) headers['content-type'] = init.type ?? 'application/json'
    const body =
      init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
    return fetch(`${register.url}${path}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body })
  }
  const command = async (who: string, sensor: string, body: unknown) => {
    const res = await api(`/v1/admin/sensors/${sensor}/commands`, who, { body })
    return {
      status: res.status,
      body: (await res.json()) as { command: CommandJson; code?: string; field?: string; message?: string },
    }
  }
  const commandsOf = async (sensor: string, who = 'camden-ops') => {
    const res = await api(`/v1/admin/sensors/${sensor}/commands?limit=100`, who)
    expect(res.status).toBe(200)
    return ((await res.json()) as { commands: CommandJson[] }).commands
  }
  const answered = async (id: string, sensor = 'cam-1') => {
    let found: CommandJson | undefined
    await waitFor(
      async () => {
        found = (await commandsOf(sensor)).find((c) => c.id === id)
        return found?.result?.status === 'done' || found?.result?.status === 'refused'
      },
      30_000,
      `the answer to ${id}`,
    )
    return found!
  }
  const devicesCli = (args: string[], who = 'camden-ops') =>
    runCommand('/usr/bin/env', [
      `STREETSENSE_API_PASSWORD=${creds[who]!.password}`,
      process.execPath,
      'bin/streetsense.js',
      'devices',
      ...args,
      '--api-url',
      register.url,
      '--api-username',
      who,
    ])
  const startAgent = async () => {
    const before = readings.length
    agent = spawnAgent(agentConfig)
    await waitFor(() => readings.length > before, 30_000, 'readings from the agent')
  }

  beforeAll(async () => {
    // Few CLI starts (each costs seconds on a loaded machine): the sensors in one import, the
    // operator through the CLI, the other accounts through the registry the CLI writes to.
    Object.assign(creds, await importSensors(data.dir, ['cam-1', 'cam-2'], CAMDEN))
    creds['camden-ops'] = await addAccount(data.dir, 'camden-ops', 'operator', [CAMDEN])
    registry = openRegistry(data.dir)
    registry.addSensor({ ...registry.getSensor('cam-2')!.entry, id: 'hack-1', borough: HACKNEY })
    creds.ingest = registry.addAccount({ username: 'ingest', role: 'ingest' })
    creds['hackney-ops'] = registry.addAccount({ username: 'hackney-ops', role: 'operator', boroughs: [HACKNEY] })
    creds.reader = registry.addAccount({ username: 'reader', role: 'reader' })
    broker = await startBroker(data.dir, ['--connections-per-minute-per-address', '0'])
    ingest = await startIngest({
      dataDir: data.dir,
      mqttUrl: broker.url,
      ...creds.ingest!,
      influxUrl: `http://127.0.0.1:${await freePort()}`, // no InfluxDB: commands do not need it
    })
    // The admin API queues commands in the registry; the ingest polls the table and sends them.
    register = await startRegisterProcess({ dataDir: data.dir, influxUrl: `http://127.0.0.1:${await freePort()}` })
    watcher = mqtt.connect(broker.url, { clientId: 'ingest/watch', ...creds.ingest, reconnectPeriod: 0 })
    await new Promise((r) => watcher.once('connect', r))
    await watcher.subscribeAsync('streetsense/v1/+/cam-1/air', { qos: 1 })
    watcher.on('message', (_t, payload) => readings.push(payload.toString()))
    agentConfig = join(data.dir, 'cam-1.json')
    writeFileSync(
      agentConfig,
      JSON.stringify({
        sensor: { id: 'cam-1', borough: CAMDEN, kind: 'air' },
        broker: { url: broker.url, ...creds['cam-1'], reconnectMinMs: 100, reconnectMaxMs: 1000 },
        publishIntervalSeconds: 1,
        statusIntervalSeconds: 3600,
        dataDir: join(data.dir, 'node-cam-1'),
        sensors: [{ driver: 'simulated', seed: 3, sampleMs: 200 }],
      }),
    )
    await startAgent()
  }, 240_000)
  afterAll(async () => {
    if (agent) await stopAgent(agent)
    watcher?.end(true)
    registry?.close()
    await register?.stop()
    await ingest?.stop()
    await broker?.stop()
    data.remove()
  })

  it('an operator commands its device through the admin API and reads the answer', async () => {
    const sent = await command('camden-ops', 'cam-1', { command: 'set_interval', args: { interval: 2 } })
    expect(sent.status).toBe(202)
    expect(sent.body.command).toMatchObject({ command: 'set_interval', by: 'camden-ops', state: 'queued' })
    const done = await answered(sent.body.command.id)
    expect(done).toMatchObject({ state: 'sent', status: 'done', result: { status: 'done', detail: { interval: 2 } } })
    await waitFor(() => readings.some((r) => JSON.parse(r).interval === 2), 30_000, 'readings at the new interval')
    const audit = registry.listAudit({ sensor: 'cam-1', limit: 50 }).filter((e) => e.detail?.includes(done.id))
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['command.publish', 'ingest'],
      ['command.issue', 'camden-ops'],
    ])
  })

  it('the devices CLI sends a command, waits for the answer, and lists the answers', async () => {
    const resend = await devicesCli(['command', 'cam-1', 'resend', '1', '3', '--wait', '30', '--json'])
    expect(resend.stderr).toBe('')
    expect(resend.code).toBe(0)
    const { command: c } = JSON.parse(resend.stdout) as { command: CommandJson }
    expect(c).toMatchObject({ command: 'resend', status: 'done', result: { detail: { from: 1, to: 3 } } })
    expect(c.result?.detail?.requeued).toEqual(expect.any(Number))
    const list = await devicesCli(['commands', 'cam-1'])
    expect(list.code).toBe(0)
    const line = list.stdout.split('\n').find((l) => l.includes(c.id))
    expect(line).toMatch(/resend from=1 to=3 {2}by camden-ops {2}done: from=1 to=3 requeued=\d+/)
    const unknown = await devicesCli(['command', 'cam-1', 'reboot'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/IOT_USAGE: action must be one of set-interval, resend, status/)
    // another borough's operator gets the API's refusal; no password, no call
    const foreign = await devicesCli(['command', 'cam-1', 'status'], 'hackney-ops')
    expect(foreign.code).toBe(1)
    expect(foreign.stderr).toMatch(/IOT_REGISTER_FORBIDDEN: account hackney-ops may not manage sensors of E09000007/)
    const noPassword = await runCommand(process.execPath, ['bin/streetsense.js', 'devices', 'commands', 'cam-1', '--api-url', register.url, '--api-username', 'camden-ops']) // biome-ignore format: one command line
    expect(noPassword.code).toBe(1)
    expect(noPassword.stderr).toMatch(/STREETSENSE_API_PASSWORD or --api-password-file/)
  }, 240_000) // five CLI starts, seconds each on a loaded machine

  it('refuses another borough, a reader, no credentials, a body that is not JSON, and bad commands', async () => {
    const recorded = () => registry.commands.list({ limit: 1000 }).length
    const before = recorded()
    const status = { command: 'status' }
    expect((await command('hackney-ops', 'cam-1', status)).status).toBe(403)
    expect((await command('reader', 'cam-1', status)).body).toMatchObject({ code: 'IOT_REGISTER_FORBIDDEN' })
    expect((await api('/v1/admin/sensors/cam-1/commands', undefined, { body: status })).status).toBe(401)
    const form = await api('/v1/admin/sensors/cam-1/commands', 'camden-ops', {
      body: 'command=status',
      type: 'text/plain',
    })
    expect(form.status).toBe(415)
    expect(await form.json()).toMatchObject({ code: 'IOT_REGISTER_UNSUPPORTED_MEDIA_TYPE', field: 'content-type' })
    const zero = await command('camden-ops', 'cam-1', { command: 'set_interval', args: { interval: 0 } })
    expect(zero).toMatchObject({ status: 400, body: { code: 'IOT_REGISTER_BAD_PARAM', field: 'args.interval' } })
    const reboot = await command('camden-ops', 'cam-1', { command: 'reboot' })
    expect(reboot.body.message).toBe('command: must be one of set_interval, resend, status')
    expect((await command('camden-ops', 'ghost-1', status)).status).toBe(404)
    expect((await command('hackney-ops', 'hack-1', { ...status, expires_in: 0 })).body.field).toBe('expires_in')
    expect(recorded()).toBe(before) // nothing of these was recorded
  })

  it('the ingest cancels a queued command whose issuer may not command the device, and sends it to no one', async () => {
    const now = Date.now()
    const issued = registry.commands.issue({
      id: `lost-right-${now}`,
      sensor: 'cam-1',
      borough: CAMDEN,
      command: 'set_interval',
      args: { interval: 9 },
      by: 'hackney-ops', // as if Camden had been taken from this account after it issued the command
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 600_000).toISOString(),
    })
    await waitFor(() => registry.commands.get(issued.id)?.state === 'cancelled', 10_000, 'cancelled by the ingest')
    const metrics = await (await fetch(`${ingest.opsUrl}/metrics`)).text()
    expect(metrics).toMatch(/streetsense_ingest_commands_cancelled_total 1/)
    expect(registry.commands.get(issued.id)?.result).toBeUndefined()
  })

  it("the ingest's sendCommand (gap repair) sends resend and status in its boroughs, and nothing else", async () => {
    const own = tempDir('ss-commands-ingest-')
    const repair = await startIngestInProcess(
      ingestConfig({
        dataDir: own.dir,
        instance: 'ingest-repair',
        boroughs: [CAMDEN],
        mqttUrl: broker.url,
        mqttUsername: 'ingest',
        mqttPassword: creds.ingest!.password,
        mqttConnections: 1,
        checkThreads: 0,
        httpHost: '127.0.0.1',
        httpPort: 0,
        opsPort: 0,
        influxUrl: `http://127.0.0.1:${await freePort()}`,
      }),
      { registry, logger: pino({ level: 'silent' }) },
    )
    try {
      const { sendCommand } = repair.commands!
      await waitFor(
        async () => (await sendCommand({ sensor: 'cam-1', command: 'status' })).state === 'sent',
        10_000,
        'sent',
      )
      const resend = await sendCommand({ sensor: 'cam-1', command: 'resend', args: { from: 1, to: 2 } })
      expect(resend).toMatchObject({ state: 'sent', by: 'ingest', borough: CAMDEN, args: { from: 1, to: 2 } })
      expect(Date.parse(resend.expiresAt) - Date.parse(resend.issuedAt)).toBe(3_600_000)
      expect(await answered(resend.id)).toMatchObject({ status: 'done', result: { detail: { from: 1, to: 2 } } })
      const refusal = async (request: Parameters<typeof sendCommand>[0]) =>
        sendCommand(request).then(
          () => 'sent',
          (err: StreetsenseError) => [err.code, err.field],
        )
      const code = 'IOT_INGEST_COMMAND_REFUSED'
      expect(await refusal({ sensor: 'cam-1', command: 'set_interval', args: { interval: 5 } })).toEqual([
        code,
        'command',
      ])
      expect(await refusal({ sensor: 'hack-1', command: 'status' })).toEqual([code, 'sensor']) // not its borough
      expect(await refusal({ sensor: 'ghost-1', command: 'status' })).toEqual([code, 'sensor'])
      expect(await refusal({ sensor: 'cam-1', command: 'resend', args: { from: 5, to: 1 } })).toEqual([
        code,
        'args.from',
      ])
      expect(await refusal({ sensor: 'cam-1', command: 'status', expiresInSeconds: 0 })).toEqual([
        code,
        'expiresInSeconds',
      ])
    } finally {
      await repair.close()
      own.remove()
    }
  })

  it('an offline device gets its command on reconnect and refuses the one that expired meanwhile', async () => {
    await stopAgent(agent!)
    const status = await command('camden-ops', 'cam-1', { command: 'status' })
    const late = await command('camden-ops', 'cam-1', { command: 'set_interval', args: { interval: 7 }, expires_in: 1 })
    // The ingest sends both at once; the broker keeps them in the device's session.
    await waitFor(async () => (await commandsOf('cam-1')).filter((c) => c.state === 'sent').length >= 2, 10_000, 'sent')
    for (const id of [status.body.command.id, late.body.command.id]) {
      expect((await commandsOf('cam-1')).find((c) => c.id === id)?.result).toBeNull()
    }
    // The point of the test: the device comes back after the expiry.
    const expiry = Date.parse(late.body.command.expires_at)
    await waitFor(() => Date.now() > expiry, 5000, 'the expiry to pass')
    await startAgent()
    expect(await answered(status.body.command.id)).toMatchObject({ status: 'done' })
    expect(await answered(late.body.command.id)).toMatchObject({
      status: 'refused',
      result: {
        reason: 'expired',
        code: 'IOT_EDGE_COMMAND_EXPIRED',
        detail: { expires_at: late.body.command.expires_at },
      },
    })
  })

  it('a command published straight over MQTT by an operator (mosquitto_pub) is recorded and answered', async () => {
    const id = `mosq-${Date.now()}`
    const body = JSON.stringify({ command: 'status', id, expires_at: new Date(Date.now() + 600_000).toISOString() })
    const pub = await runCommand('mosquitto_pub', [
      '-h', '127.0.0.1', '-p', String(broker.ports.mqtt), '-V', 'mqttv311', '-q', '1', '-i', 'camden-ops/cli',
      '-u', 'camden-ops', '-P', creds['camden-ops']!.password, '-t', 'streetsense/v1/E09000007/cam-1/cmd', '-m', body,
    ]) // biome-ignore format: flags and values in pairs
    expect(pub.code).toBe(0)
    expect(await answered(id)).toMatchObject({ by: 'camden-ops', state: 'sent', status: 'done' })
  })

  it('answers that are not valid are counted, never stored, and never reach the quarantine', async () => {
    const device = mqtt.connect(broker.url, { clientId: 'cam-2', ...creds['cam-2'], reconnectPeriod: 0 })
    await new Promise((r) => device.once('connect', r))
    const topic = 'streetsense/v1/E09000007/cam-2/result'
    const time = new Date().toISOString()
    const own = { sensor: 'cam-2', borough: CAMDEN, status: 'done', time }
    const [mine] = await commandsOf('cam-1')
    await device.publishAsync(topic, 'not json', { qos: 1 })
    await device.publishAsync(topic, JSON.stringify({ ...own, status: 'maybe', id: 'x' }), { qos: 1 })
    await device.publishAsync(topic, JSON.stringify({ ...own, sensor: 'cam-1', id: mine!.id }), { qos: 1 })
    await device.publishAsync(topic, JSON.stringify({ ...own, id: mine!.id, status: 'refused', reason: 'forged' }), {
      qos: 1,
    })
    device.end(true)
    const results = async (outcome: string) => {
      const text = await (await fetch(`${ingest.opsUrl}/metrics`)).text()
      return Number(
        new RegExp(`streetsense_ingest_command_results_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1],
      )
    }
    await waitFor(async () => (await results('invalid')) === 3 && (await results('unmatched')) === 1, 10_000, 'counted')
    // cam-2 cannot answer for cam-1's command, under its own name or cam-1's
    expect((await commandsOf('cam-1')).find((c) => c.id === mine!.id)?.result?.reason).not.toBe('forged')
    const quarantine = JSON.parse(await cli(['quarantine', 'list', '--data-dir', data.dir, '--json'])) as {
      count: number
    }
    expect(quarantine.count).toBe(0)
  })
})
