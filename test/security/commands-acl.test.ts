/**
 * Who may command which device, and with what, against the real `streetsense broker` process
 * (the role x topic rows are in mqtt-acl-matrix.test.ts): the ingest sends only resend and
 * status on its own and relays other commands only when an operator of that borough issued
 * them; invalid, retained, unknown-sensor and reused-id commands are refused, counted and never
 * delivered; accepted ones are recorded and audited with the MQTT account; third-party clients
 * (mosquitto_pub, Eclipse Paho, mosquitto_sub) command and watch results as an operator.
 */
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deviceCommandOf, openRegistry, type Registry } from '../../registry/index.js'
import { connect, metricValue } from '../broker/broker-process.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  addSensor,
  type BrokerProcess,
  cli,
  type Issued,
  runCommand,
  startBroker,
  tempDir,
} from '../helpers/processes.js'

const REFUSALS = 'streetsense_broker_refusals_total'
const CAMDEN = 'E09000007'
const HACKNEY = 'E09000012'
const cmdTopic = (borough: string, sensor: string) => `streetsense/v1/${borough}/${sensor}/cmd`
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString()
let n = 0
const nextId = (what: string) => `t-${what}-${Date.now()}-${++n}`

const run = runCommand

describe('commands on cmd topics (real broker process)', () => {
  const data = tempDir('ss-cmd-acl-')
  let broker: BrokerProcess
  let registry: Registry
  let watcher: MqttClient
  const creds: Record<string, Issued> = {}
  const delivered: string[] = []
  const wasDelivered = (id: string) => delivered.some((p) => p.includes(`"${id}"`))

  /** Publishes once on a fresh connection: 'acked' (PUBACK) or 'closed' (refused by the broker). */
  async function publishAs(
    who: string,
    topic: string,
    payload: string | object,
    opts: { retain?: boolean } = {},
  ): Promise<'acked' | 'closed'> {
    const client = await connect(broker.url, { clientId: `${who}/${++n}`, ...creds[who] })
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload)
    const outcome = await new Promise<'acked' | 'closed'>((resolve) => {
      client.once('close', () => resolve('closed'))
      client.publish(topic, body, { qos: 1, retain: opts.retain ?? false }, (err) => {
        if (!err) resolve('acked')
      })
    })
    client.end(true)
    return outcome
  }

  /** Sends a sentinel after the others: once it is delivered, a refused message would have been too. */
  async function settle(): Promise<void> {
    const id = nextId('sentinel')
    await publishAs('camden-ops', cmdTopic(CAMDEN, 'cam-1'), { command: 'status', id, expires_at: inAnHour() })
    await waitFor(() => wasDelivered(id), 10_000, 'sentinel command delivered')
  }

  const refusals = async () => ({
    command_invalid: await metricValue(broker.ports.metrics, REFUSALS, 'reason="command_invalid"'),
    command_denied: await metricValue(broker.ports.metrics, REFUSALS, 'reason="command_denied"'),
  })

  beforeAll(async () => {
    for (const [id, borough] of [
      ['cam-1', CAMDEN],
      ['hack-1', HACKNEY],
      ['old-1', CAMDEN],
    ] as const) {
      creds[id] = await addSensor(data.dir, id, borough)
    }
    creds.ingest = await addAccount(data.dir, 'ingest', 'ingest')
    creds['ingest-camden'] = await addAccount(data.dir, 'ingest-camden', 'ingest', [CAMDEN])
    creds['camden-ops'] = await addAccount(data.dir, 'camden-ops', 'operator', [CAMDEN])
    creds['hackney-ops'] = await addAccount(data.dir, 'hackney-ops', 'operator', [HACKNEY])
    creds.reader = await addAccount(data.dir, 'reader', 'reader')
    await cli(['sensors', 'retire', 'old-1', '--data-dir', data.dir])
    broker = await startBroker(data.dir, ['--connections-per-minute-per-address', '0'])
    registry = openRegistry(data.dir)
    watcher = await connect(broker.url, { clientId: 'ingest/watcher', ...creds.ingest })
    await watcher.subscribeAsync('streetsense/v1/+/+/cmd', { qos: 1 })
    watcher.on('message', (_topic, payload) => delivered.push(payload.toString()))
  }, 240_000)
  afterAll(async () => {
    watcher?.end(true)
    registry?.close()
    await broker?.stop()
    data.remove()
  })

  it('lets the ingest send resend and status on its own, never set_interval, and only in its boroughs', async () => {
    const resend = { command: 'resend', id: nextId('resend'), from: 1, to: 10, expires_at: inAnHour() }
    const setInterval = { command: 'set_interval', id: nextId('si'), interval: 5, expires_at: inAnHour() }
    const hackneyStatus = { command: 'status', id: nextId('hs'), expires_at: inAnHour() }
    expect(await publishAs('ingest', cmdTopic(CAMDEN, 'cam-1'), resend)).toBe('acked')
    expect(await publishAs('ingest', cmdTopic(CAMDEN, 'cam-1'), setInterval)).toBe('closed')
    expect(await publishAs('ingest-camden', cmdTopic(HACKNEY, 'hack-1'), hackneyStatus)).toBe('closed')
    await settle()
    expect(wasDelivered(resend.id)).toBe(true)
    expect(wasDelivered(setInterval.id)).toBe(false)
    expect(wasDelivered(hackneyStatus.id)).toBe(false)
    expect(registry.commands.get(resend.id)).toMatchObject({ by: 'ingest', state: 'sent', args: { from: 1, to: 10 } })
    expect(registry.commands.get(setInterval.id)).toBeUndefined()
  })

  it("relays a set_interval only as an operator of that borough issued it (the admin API's path)", async () => {
    const issue = (by: string, interval = 120) =>
      registry.commands.issue({
        id: nextId(by),
        sensor: 'cam-1',
        borough: CAMDEN,
        command: 'set_interval',
        args: { interval },
        by,
        issuedAt: new Date().toISOString(),
        expiresAt: inAnHour(),
      })
    const byCamden = deviceCommandOf(issue('camden-ops'))
    const byHackney = deviceCommandOf(issue('hackney-ops'))
    const byIngest = deviceCommandOf(issue('ingest'))
    const camdenTopic = cmdTopic(CAMDEN, 'cam-1')
    expect(await publishAs('ingest', camdenTopic, { ...byCamden, interval: 1 })).toBe('closed') // args changed
    expect(await publishAs('ingest', camdenTopic, byHackney)).toBe('closed') // not that operator's borough
    expect(await publishAs('ingest', camdenTopic, byIngest)).toBe('closed') // the ingest cannot issue it to itself
    expect(await publishAs('ingest', camdenTopic, byCamden)).toBe('acked')
    await settle()
    expect([byCamden, byHackney, byIngest].map((c) => wasDelivered(c.id))).toEqual([true, false, false])
    const audit = registry.listAudit({ sensor: 'cam-1', limit: 50 })
    expect(audit.filter((e) => e.detail?.includes(byCamden.id)).map((e) => [e.action, e.actor])).toEqual([
      ['command.publish', 'ingest'],
      ['command.issue', 'camden-ops'],
    ])
  })

  it('refuses invalid, retained, unknown-sensor, retired-sensor and reused-id commands, counted, never delivered', async () => {
    const before = await refusals()
    const ops = (topic: string, payload: string | object, opts?: { retain?: boolean }) =>
      publishAs('camden-ops', topic, payload, opts)
    const valid = () => ({ command: 'status', id: nextId('v'), expires_at: inAnHour() })
    const camden = cmdTopic(CAMDEN, 'cam-1')
    const reused = valid()
    expect(await ops(camden, reused)).toBe('acked')
    const refused = [
      await ops(camden, 'status please'),
      await ops(camden, { command: 'status', id: nextId('noexp') }),
      await ops(camden, { command: 'reboot', id: nextId('reboot'), expires_at: inAnHour() }),
      await ops(camden, { ...valid(), pad: 'x'.repeat(5000) }),
      await ops(camden, valid(), { retain: true }),
      await ops(cmdTopic(CAMDEN, 'ghost-9'), valid()),
      await ops(cmdTopic(CAMDEN, 'old-1'), valid()),
      await ops(cmdTopic(CAMDEN, 'hack-1'), valid()), // a Hackney sensor under Camden's code
      await ops(camden, { command: 'resend', id: reused.id, from: 1, to: 2, expires_at: inAnHour() }),
    ]
    expect(refused).toEqual(Array(refused.length).fill('closed'))
    await settle()
    expect(delivered.filter((p) => p.includes(reused.id))).toHaveLength(1)
    expect(delivered.some((p) => p.includes('reboot') || p.includes('noexp'))).toBe(false)
    const after = await refusals()
    expect(after.command_invalid - before.command_invalid).toBe(5)
    expect(after.command_denied - before.command_denied).toBe(4)
    expect(broker.output()).toMatch(/command refused/)
  })

  it('records and audits a command published straight over MQTT with the publishing account', async () => {
    const command = { command: 'status', id: nextId('direct'), expires_at: inAnHour(), by: 'someone-else' }
    expect(await publishAs('camden-ops', cmdTopic(CAMDEN, 'cam-1'), command)).toBe('acked')
    expect(registry.commands.get(command.id)).toMatchObject({ by: 'camden-ops', sensor: 'cam-1', state: 'sent' })
    const events = registry.listAudit({ sensor: 'cam-1', limit: 50 }).filter((e) => e.detail?.includes(command.id))
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ['command.publish', 'camden-ops'],
      ['command.issue', 'camden-ops'],
    ])
  })

  it('third-party clients: mosquitto_pub and Paho command as an operator, a reader cannot; mosquitto_sub sees results', async () => {
    const port = String(broker.ports.mqtt)
    const login = (who: string) => ['-h', '127.0.0.1', '-p', port, '-V', 'mqttv311', '-q', '1', '-i', `${who}/mosq`, '-u', who, '-P', creds[who]!.password] // biome-ignore format: flags and values in pairs
    const mosqCommand = { command: 'status', id: nextId('mosq'), expires_at: inAnHour() }
    const topic = cmdTopic(CAMDEN, 'cam-1')
    const ok = await run('mosquitto_pub', [...login('camden-ops'), '-t', topic, '-m', JSON.stringify(mosqCommand)])
    expect(ok.code).toBe(0)
    const readerCommand = { command: 'status', id: nextId('reader'), expires_at: inAnHour() }
    const refused = await run('mosquitto_pub', [...login('reader'), '-t', topic, '-m', JSON.stringify(readerCommand)])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/connection was lost/i)
    const pahoCommand = { command: 'resend', id: nextId('paho'), from: 3, to: 4, expires_at: inAnHour() }
    const paho = await run('/usr/bin/python3', [
      'test/broker/paho-publish.py', '127.0.0.1', port, 'hackney-ops/paho', 'hackney-ops',
      creds['hackney-ops']!.password, cmdTopic(HACKNEY, 'hack-1'), JSON.stringify(pahoCommand), '', '', '',
    ]) // biome-ignore format: the script's arguments in order
    expect(JSON.parse(paho.stdout)).toEqual({ connack: 0, published: true })
    await settle()
    expect([mosqCommand, readerCommand, pahoCommand].map((c) => wasDelivered(c.id))).toEqual([true, false, true])
    expect(registry.commands.get(pahoCommand.id)).toMatchObject({ by: 'hackney-ops', borough: HACKNEY })

    // An operator watches the answers of its borough's devices (and only those) with mosquitto_sub.
    const resultTopic = 'streetsense/v1/E09000007/cam-1/result'
    const sub = run('mosquitto_sub', [...login('camden-ops'), '-t', resultTopic, '-C', '1', '-W', '15'])
    const answer = {
      sensor: 'cam-1',
      borough: CAMDEN,
      id: mosqCommand.id,
      status: 'done',
      time: new Date().toISOString(),
    }
    const device = await connect(broker.url, { clientId: 'cam-1', ...creds['cam-1'] })
    // mosquitto_sub subscribes once connected: publish (retained, so a late subscription still gets it)
    await device.publishAsync(resultTopic, JSON.stringify(answer), { qos: 1, retain: true })
    device.end(true)
    const watched = await sub
    expect(watched.code).toBe(0)
    expect(JSON.parse(watched.stdout)).toEqual(answer)
    const hackney = await run('mosquitto_sub', [...login('camden-ops'), '-t', 'streetsense/v1/E09000012/+/result', '-C', '1', '-W', '2', '-d']) // biome-ignore format: flags and values in pairs
    expect(hackney.stdout).toMatch(/Subscribed \(mid: \d+\): 128/)
  })
})
