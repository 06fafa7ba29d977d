/**
 * Third-party clients against the real `streetsense broker`: Debian mosquitto_pub/sub, Eclipse
 * Paho (python3), mqtt.js over TLS with client certificates and over WebSocket; QoS 1 and
 * persistent sessions.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTopic, readingFilters } from '../../schemas/topics.js'
import { waitFor } from '../helpers/ports.js'
import { runCommand } from '../helpers/processes.js'
import {
  addAccount,
  addSensor,
  type BrokerProcess,
  clientTracker,
  connect,
  startBrokerProcess,
  tempDataDir,
} from './broker-process.js'

const CAMDEN = 'E09000007'

const run = runCommand

/** Starts a command and keeps its output as it comes, to wait for a line it prints. */
function startCommand(
  cmd: string,
  args: string[],
): { stdout(): string; done: Promise<{ code: number; stdout: string }> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  const done = new Promise<{ code: number; stdout: string }>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, stdout })),
  )
  return { stdout: () => stdout, done }
}

/** A throwaway CA, a server certificate for 127.0.0.1 and client certificates with the given CNs. */
async function makeCertificates(dir: string, clients: string[]): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const ossl = async (args: string[]) => {
    const r = await run('openssl', args)
    if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`)
  }
  const p = (f: string) => join(dir, f)
  await ossl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '1',
    '-subj',
    '/CN=streetsense test CA',
  ])
  writeFileSync(p('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  for (const [name, ext] of [['server', true] as const, ...clients.map((c) => [c, false] as const)]) {
    const cn = name === 'server' ? 'localhost' : name
    await ossl(['req', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`])
    await ossl([
      'x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
      '-out', p(`${name}.crt`), '-days', '1', ...(ext ? ['-extfile', p('san.ext')] : []),
    ]) // biome-ignore format: one openssl command line
  }
}

describe('interoperability: mosquitto, paho, TLS, WebSocket, persistent sessions', () => {
  const data = tempDataDir()
  let broker: BrokerProcess
  const pw: Record<string, string> = {}
  const { track, endAll } = clientTracker()
  const cert = (f: string) => join(data.dir, f)
  let ingest: MqttClient
  const received: { topic: string; payload: string }[] = []
  const nextMessage = (topic: string) =>
    new Promise<string>((resolve) => {
      const check = (t: string, p: Buffer) => {
        if (t !== topic) return
        ingest.off('message', check)
        resolve(p.toString())
      }
      ingest.on('message', check)
    })

  beforeAll(async () => {
    for (const id of ['mosq-1', 'paho-1', 'tls-1', 'ws-1']) pw[id] = addSensor(data.dir, id, CAMDEN)
    pw.ingest = addAccount(data.dir, 'ingest', 'ingest')
    await makeCertificates(data.dir, ['tls-1', 'someone-else'])
    broker = await startBrokerProcess(data.dir, [
      '--tls-port', '0', '--tls-cert', cert('server.crt'), '--tls-key', cert('server.key'), '--tls-ca', cert('ca.crt'),
      '--tls-require-client-cert', '--ws-port', '0',
    ]) // biome-ignore format: flags and values in pairs
    ingest = track(
      await connect(`mqtt://127.0.0.1:${broker.ports.mqtt}`, {
        clientId: 'ingest/main',
        username: 'ingest',
        password: pw.ingest,
      }),
    )
    await ingest.subscribeAsync(readingFilters(), { qos: 1 })
    ingest.on('message', (topic, p) => received.push({ topic, payload: p.toString() }))
  })
  afterAll(async () => {
    endAll()
    expect(await broker.stop()).toBe(0)
    data.remove()
  })

  it('mosquitto_pub and mosquitto_sub (QoS 1, with and without the right password)', async () => {
    const port = String(broker.ports.mqtt)
    const topic = buildTopic(CAMDEN, 'mosq-1', 'air')
    // -d: mosquitto_sub reports the SUBACK, so the publish below waits for the subscription
    // (stdbuf: line by line, not at exit, as stdio buffers a pipe).
    const sub = startCommand('stdbuf', [
      '-oL', 'mosquitto_sub',
      '-h', '127.0.0.1', '-p', port, '-i', 'ingest/mosq', '-u', 'ingest', '-P', pw.ingest!, '-q', '1', '-t', topic,
      '-C', '1', '-W', '15', '-d',
    ]) // biome-ignore format: flags and values in pairs
    await waitFor(() => /received SUBACK/.test(sub.stdout()), 15_000, 'mosquitto_sub subscribed')
    const got = nextMessage(topic)
    const pub = await run('mosquitto_pub', [
      '-h', '127.0.0.1', '-p', port, '-i', 'mosq-1', '-u', 'mosq-1', '-P', pw['mosq-1']!, '-q', '1', '-t', topic,
      '-m', '{"from":"mosquitto"}',
    ]) // biome-ignore format: flags and values in pairs
    expect(pub.code).toBe(0)
    expect(await got).toBe('{"from":"mosquitto"}')
    const subbed = await sub.done
    expect(subbed.code).toBe(0)
    expect(subbed.stdout.split('\n')).toContain('{"from":"mosquitto"}')
    const bad = await run('mosquitto_pub', [
      '-h', '127.0.0.1', '-p', port, '-i', 'mosq-1', '-u', 'mosq-1', '-P', 'nope', '-q', '1', '-t', topic, '-m', 'x',
    ]) // biome-ignore format: flags and values in pairs
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/bad user name or password/i)
  })

  it('Eclipse Paho publishes QoS 1 over plain TCP and over TLS with a client certificate', async () => {
    const paho = (args: string[]) =>
      run('/usr/bin/python3', ['test/broker/paho-publish.py', '127.0.0.1', ...args]).then((r) => JSON.parse(r.stdout))
    const topic = buildTopic(CAMDEN, 'paho-1', 'air')
    const got = nextMessage(topic)
    const plain = await paho([
      String(broker.ports.mqtt),
      'paho-1',
      'paho-1',
      pw['paho-1']!,
      topic,
      '{"from":"paho"}',
      '',
      '',
      '',
    ])
    expect(plain).toEqual({ connack: 0, published: true })
    expect(await got).toBe('{"from":"paho"}')
    const wrong = await paho([String(broker.ports.mqtt), 'paho-1', 'paho-1', 'nope', topic, 'x', '', '', ''])
    expect(wrong).toEqual({ connack: 4 })

    const tlsTopic = buildTopic(CAMDEN, 'tls-1', 'air')
    const tlsGot = nextMessage(tlsTopic)
    const tls = await paho([
      String(broker.ports.mqtts), 'tls-1', 'tls-1', pw['tls-1']!, tlsTopic, '{"from":"paho-tls"}',
      cert('ca.crt'), cert('tls-1.crt'), cert('tls-1.key'),
    ]) // biome-ignore format: argument list
    expect(tls).toEqual({ connack: 0, published: true })
    expect(await tlsGot).toBe('{"from":"paho-tls"}')
  })

  it('TLS: no client certificate is refused; a certificate for another name gets CONNACK 5', async () => {
    const port = String(broker.ports.mqtts)
    const topic = buildTopic(CAMDEN, 'tls-1', 'status')
    const common = [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '--cafile',
      cert('ca.crt'),
      '-i',
      'tls-1',
      '-u',
      'tls-1',
      '-P',
      pw['tls-1']!,
    ]
    const noCert = await run('mosquitto_pub', [...common, '-t', topic, '-m', 'x', '-q', '1'])
    expect(noCert.code).not.toBe(0)
    const otherCert = await run('mosquitto_pub', [
      ...common, '--cert', cert('someone-else.crt'), '--key', cert('someone-else.key'), '-t', topic, '-m', 'x', '-q', '1',
    ]) // biome-ignore format: argument list
    expect(otherCert.code).not.toBe(0)
    expect(otherCert.stderr).toMatch(/not authori[sz]ed/i)
    const own = await run('mosquitto_pub', [
      ...common,
      '--cert',
      cert('tls-1.crt'),
      '--key',
      cert('tls-1.key'),
      '-t',
      topic,
      '-m',
      '{}',
      '-q',
      '1',
    ])
    expect(own.code).toBe(0)
    // TLS below 1.2 is refused by the server
    const old = await run('openssl', [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-tls1_1',
      '-CAfile',
      cert('ca.crt'),
    ])
    expect(old.code).not.toBe(0)
    expect(old.stderr).toMatch(/alert protocol version/)
  })

  it('mqtt.js over WebSocket', async () => {
    const ws = track(
      await connect(`ws://127.0.0.1:${broker.ports.ws}/mqtt`, {
        clientId: 'ws-1',
        username: 'ws-1',
        password: pw['ws-1'],
      }),
    )
    const topic = buildTopic(CAMDEN, 'ws-1', 'air')
    const got = nextMessage(topic)
    await ws.publishAsync(topic, '{"from":"ws"}', { qos: 1 })
    expect(await got).toBe('{"from":"ws"}')
  })

  it('keeps QoS 1 messages for a persistent session while its consumer is away', async () => {
    const url = `mqtt://127.0.0.1:${broker.ports.mqtt}`
    const opts = { clientId: 'ingest/persistent', username: 'ingest', password: pw.ingest, clean: false }
    const first = await connect(url, opts)
    await first.subscribeAsync(readingFilters([CAMDEN]), { qos: 1 })
    await first.endAsync()
    const device = track(await connect(url, { clientId: 'mosq-1', username: 'mosq-1', password: pw['mosq-1'] }))
    const topic = buildTopic(CAMDEN, 'mosq-1', 'air')
    for (const n of [1, 2, 3]) await device.publishAsync(topic, `{"n":${n}}`, { qos: 1 })
    const got: string[] = []
    const back = await new Promise<MqttClient>((resolve, reject) => {
      const c = track(
        // Queued messages may arrive right after CONNACK, so listen before 'connect'.
        mqtt.connect(url, { ...opts, reconnectPeriod: 0 }),
      )
      c.on('message', (_t: string, p: Buffer) => got.push(p.toString()))
      c.once('connect', (ack: { sessionPresent: boolean }) =>
        ack.sessionPresent ? resolve(c) : reject(new Error('no session')),
      )
      c.once('error', reject)
    })
    await waitFor(() => got.length >= 3, 10_000, 'the three queued messages')
    expect(back.connected).toBe(true)
    expect(got).toEqual(['{"n":1}', '{"n":2}', '{"n":3}'])
  })
})
