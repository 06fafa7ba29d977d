/**
 * `streetsense edge doctor` against the project's own broker (`streetsense broker`, with the
 * registry's logins and client-id rules), while the node's agent is connected: the doctor logs in
 * as `<id>@doctor` with a clean session, passes, and leaves the agent's connection and session
 * alone. That login may neither publish nor subscribe, needs a clean session, and is only for the
 * device's own id. The agent here is an MQTT client connected exactly as the agent's publisher
 * connects (client id = sensor id, clean=false, its credentials).
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildNodeConfig, writeNodeConfig } from '../../edge/tools/provision.js'
import { buildTopic, doctorClientId } from '../../schemas/index.js'
import { addSensor, type BrokerProcess, type Issued, startBroker, tempDir } from '../helpers/processes.js'

const data = tempDir('ss-doctor-')
const CAMDEN = 'E09000007'
let broker: BrokerProcess
let node: Issued
let other: Issued
const clients: MqttClient[] = []

beforeAll(async () => {
  node = await addSensor(data.dir, 'cam-aq-doc', CAMDEN)
  other = await addSensor(data.dir, 'cam-aq-other', CAMDEN)
  broker = await startBroker(data.dir)
})

afterAll(async () => {
  for (const c of clients) c.end(true)
  await broker?.stop()
  data.remove()
})

/** Connects and resolves with the client, or rejects with the CONNACK error. */
function connect(opts: mqtt.IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(broker.url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, ...opts })
  clients.push(client)
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client))
    client.once('error', reject)
  })
}

/** The node's agent, as its publisher connects; `gone` rejects when the broker closes its connection. */
async function agentConnection(creds: Issued): Promise<{ client: MqttClient; gone: Promise<never> }> {
  const client = await connect({ clientId: creds.username, clean: false, ...creds })
  const gone = new Promise<never>((_, reject) =>
    client.once('close', () => reject(new Error('the agent was disconnected'))),
  )
  gone.catch(() => undefined)
  return { client, gone }
}

/** A QoS 1 publish on the agent's own topic, answered by PUBACK only if its connection is still up. */
function publishOver(client: MqttClient, sensor: string): Promise<void> {
  const reading = JSON.stringify({ sensor, borough: CAMDEN, kind: 'air' })
  return new Promise((resolve, reject) =>
    client.publish(buildTopic(CAMDEN, sensor, 'status'), reading, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
  )
}

async function doctor(creds: Issued): Promise<string> {
  const config = join(data.dir, `${creds.username}.yaml`)
  const built = buildNodeConfig({
    sensor: creds.username,
    password: creds.password,
    brokerUrl: broker.url,
    borough: CAMDEN,
    kind: 'air',
    driver: 'simulated',
    dataDir: join(data.dir, 'node'),
  })
  writeNodeConfig(config, built)
  // Exit code 1 when any check fails (the clock may not be synchronised here): read the lines.
  const run = promisify(execFile)(process.execPath, ['bin/streetsense.js', 'edge', 'doctor', '--config', config])
  const { stdout } = await run.catch((err: { stdout: string }) => ({ stdout: err.stdout }))
  return stdout
}

describe('edge doctor against streetsense broker', () => {
  it('passes its broker check beside a running agent, whose connection stays up', async () => {
    const agent = await agentConnection(node)
    const out = await doctor(node)
    expect(out).toMatch(
      new RegExp(
        `^OK +broker login: logged in to .* as ${node.username} \\(client id ${node.username}@doctor\\)$`,
        'm',
      ),
    )
    // A PUBACK on the agent's connection after the doctor is done: it was never closed.
    await Promise.race([publishOver(agent.client, node.username), agent.gone])
  })

  it('a login with the device id itself would have unseated the agent (what the doctor no longer does)', async () => {
    const agent = await agentConnection(other)
    await connect({ clientId: other.username, clean: true, ...other })
    await expect(agent.gone).rejects.toThrow('the agent was disconnected')
  })

  it('says the password is wrong when it is', async () => {
    const out = await doctor({ username: node.username, password: 'x'.repeat(32) })
    expect(out).toMatch(/^FAIL broker login: .*\n\s+-> the broker refused the username\/password/m)
  })
})

describe('the doctor login at the broker', () => {
  it('may neither subscribe nor publish', async () => {
    const probe = await connect({ clientId: doctorClientId(node.username), clean: true, ...node })
    // SUBACK 0x80: mqtt.js turns a refused filter into an error.
    await expect(probe.subscribeAsync(`streetsense/v1/${CAMDEN}/${node.username}/cmd`, { qos: 1 })).rejects.toThrow(
      /Subscribe error/,
    )
    const closed = new Promise<void>((resolve) => probe.once('close', () => resolve()))
    probe.publish(buildTopic(CAMDEN, node.username, 'status'), '{}', { qos: 1 })
    await closed
  })

  it('needs a clean session, and only the device itself may use its @doctor id', async () => {
    const persistent = connect({ clientId: doctorClientId(node.username), clean: false, ...node })
    await expect(persistent).rejects.toMatchObject({ code: 2 })
    const someoneElse = connect({ clientId: doctorClientId(node.username), clean: true, ...other })
    await expect(someoneElse).rejects.toMatchObject({ code: 2 })
  })
})
