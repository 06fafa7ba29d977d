/**
 * Issue 14, items 1 and 2: the MQTT client-id namespace, against the real `streetsense broker`,
 * `streetsense ingest` (two consumer connections) and a real influxd.
 *
 * The audit's attack: a borough admin registered a sensor named like an ingest consumer and, with
 * its password, connected again and again with that client id and clean session, kicking the
 * consumer off and wiping its persistent subscriptions, so a device's acknowledged readings were
 * not stored. And an admin account named `camden` unseated the device `camden-aq-0001`, whose
 * client id started with the admin's username. Now: consumers are `<username>/<instance>-<k>`, a
 * name no sensor id can have; service names are reserved; every account has its exact client id
 * (or, for services, `<username>/<suffix>`); the ingest notices a lost session, subscribes again
 * and counts it.
 */
import mqtt, { type IClientOptions } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InfluxServer } from '../helpers/influxd.js'
import { type PlatformProcesses, startPlatformProcesses } from '../helpers/platform-processes.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  addSensor,
  type BrokerProcess,
  cli,
  type IngestProcess,
  type Issued,
  tempDir,
} from '../helpers/processes.js'

const CAMDEN = 'E09000007'
const CONSUMERS = ['ingest/ingest-0', 'ingest/ingest-1']

/** CONNACK code of one login (0 = accepted), closing the connection at once. */
async function connackCode(url: string, opts: IClientOptions): Promise<number | string> {
  try {
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...opts,
    })
    await client.endAsync(true)
    return 0
  } catch (err) {
    return (err as { code?: number }).code ?? (err as Error).message
  }
}

describe('client ids: no device or other account can take a service or device session (real processes)', () => {
  const data = tempDir('ss-clientid-')
  let platform: PlatformProcesses
  let influx: InfluxServer
  let broker: BrokerProcess
  let ingest: IngestProcess
  const creds: Record<string, Issued> = {}

  const metric = async (name: string) => {
    const text = await (await fetch(`${ingest.opsUrl}/metrics`)).text()
    return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN)
  }
  const stored = async () => {
    const rows = await influx.rows("SELECT count(pm2_5) AS n FROM air WHERE sensor = 'camden-aq-0001'", 'takeover')
    return Number(rows[0]?.n ?? 0)
  }
  const publishReadings = async (from: number, count: number) => {
    const device = await mqtt.connectAsync(broker.url, {
      clientId: 'camden-aq-0001',
      ...creds.device,
      protocolVersion: 4,
      reconnectPeriod: 0,
    })
    for (let seq = from; seq < from + count; seq++) {
      const reading = {
        sensor: 'camden-aq-0001',
        borough: CAMDEN,
        kind: 'air',
        time: new Date(Math.floor(Date.now() / 1000) * 1000 - 600_000 + seq * 1000).toISOString(),
        interval: 1,
        seq,
        values: { pm2_5: seq },
      }
      await device.publishAsync(`streetsense/v1/${CAMDEN}/camden-aq-0001/air`, JSON.stringify(reading), { qos: 1 })
    }
    await device.endAsync()
  }

  beforeAll(async () => {
    creds.device = await addSensor(data.dir, 'camden-aq-0001', CAMDEN)
    creds.lookalike = await addSensor(data.dir, 'ingest-0', CAMDEN) // the consumers' old client id
    creds.admin = await addAccount(data.dir, 'camden', 'admin', [CAMDEN])
    creds.ingest = await addAccount(data.dir, 'ingest', 'ingest')
    platform = await startPlatformProcesses({
      dataDir: data.dir,
      ingestAccount: creds.ingest,
      influxDb: 'takeover',
      brokerArgs: ['--connections-per-minute-per-address', '0'],
      ingestArgs: ['--mqtt-connections', '2'],
    })
    ;({ influx, broker, ingest } = platform)
  }, 600_000)

  afterAll(async () => {
    await platform?.stop()
    data.remove()
  })

  it('refuses to register a sensor under a service name; a consumer id cannot be registered at all', async () => {
    for (const id of ['ingest', 'Ingest', 'register', 'ingest/ingest-0']) {
      const refused = await cli([
        'sensors',
        'add',
        '--data-dir',
        data.dir,
        '--id',
        id,
        '--borough',
        CAMDEN,
        '--kind',
        'air',
      ]).then(
        () => 'registered',
        (err: { code: number; stderr: string }) => `${err.code} ${err.stderr.trim()}`,
      )
      expect(refused, id).toMatch(/^1 error: IOT_REGISTRY_INVALID_ENTRY: .*\(field \/id\)/)
    }
  })

  it("no device or admin can connect with a consumer's client id or another account's", async () => {
    const ready = (await (await fetch(`${ingest.opsUrl}/readyz`)).json()) as { mqtt: { clientId: string }[] }
    expect(ready.mqtt.map((c) => c.clientId)).toEqual(CONSUMERS)
    const attempts: string[] = []
    // The audit's loop: again and again, clean session, every id worth stealing.
    for (let round = 0; round < 5; round++) {
      for (const clientId of [...CONSUMERS, 'ingest-1', 'ingest', 'camden-aq-0001']) {
        for (const who of ['lookalike', 'admin'] as const) {
          const code = await connackCode(broker.url, { clientId, clean: true, ...creds[who] })
          if (round === 0) attempts.push(`${who} as ${clientId}: ${code}`)
          expect(code, `${who} as ${clientId}`).toBe(2)
        }
      }
    }
    // Each may use its own: the device its sensor id, the admin `camden` or `camden/<suffix>`.
    expect(await connackCode(broker.url, { clientId: 'ingest-0', ...creds.lookalike })).toBe(0)
    expect(await connackCode(broker.url, { clientId: 'camden/console', ...creds.admin })).toBe(0)
    console.log(`client-id takeover attempts refused with CONNACK 2: ${attempts.join('; ')}`)
    expect(await metric('streetsense_ingest_mqtt_sessions_lost_total')).toBe(0)
    expect(await metric('streetsense_ingest_mqtt_connections')).toBe(2)
    // The device in the consumers' boroughs: every acknowledged reading is stored.
    await publishReadings(1, 60)
    await waitFor(async () => (await stored()) === 60, 30_000, '60 of 60 readings stored')
  })

  it('the ingest survives a lost session: it notices, counts it and subscribes again', async () => {
    // Only the ingest's own account may use its client ids (a second ingest instance misconfigured
    // with the same instance name does exactly this): clean session wipes the consumer's session.
    const intruder = await mqtt.connectAsync(broker.url, {
      clientId: CONSUMERS[0],
      clean: true,
      ...creds.ingest,
      protocolVersion: 4,
      reconnectPeriod: 0,
    })
    await intruder.endAsync()
    await waitFor(
      async () => (await metric('streetsense_ingest_mqtt_sessions_lost_total')) === 1,
      30_000,
      'loss counted',
    )
    await waitFor(async () => (await fetch(`${ingest.opsUrl}/readyz`)).ok, 30_000, 'consumer back')
    await publishReadings(61, 60)
    await waitFor(async () => (await stored()) === 120, 30_000, 'readings after the loss stored')
    expect(ingest.output()).toMatch(/MQTT session lost on the broker/)
  })
})
