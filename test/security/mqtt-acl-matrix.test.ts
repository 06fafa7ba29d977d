/**
 * The broker's ACL as a full matrix, against the real `streetsense broker` process with accounts
 * issued by `streetsense sensors add --json` / `add-account --json`: every role x every topic kind,
 * publish and subscribe, expecting exactly the allowed set.
 * - publish allowed  = PUBACK and the message reaches a privileged watcher (ingest on streetsense/v1/#);
 * - publish refused  = the connection is closed and the watcher never sees the message;
 * - subscribe refused = SUBACK 0x80 (128) for that filter, the connection stays up.
 * On cmd topics the payload is a valid `status` command, so a refusal there is the right, not
 * the payload; commands-acl.test.ts covers payloads, command types and third-party clients.
 * Failed-login throttling is checked on a second broker with a low threshold.
 */
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectPacket, rawExchange } from '../fuzz/mqtt-packets.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  addSensor,
  type BrokerProcess,
  cli,
  type Issued,
  startBroker,
  tempDir,
} from '../helpers/processes.js'

const CAMDEN = 'E09000007'
const HACKNEY = 'E09000012'
const t = (borough: string, sensor: string, channel: string) => `streetsense/v1/${borough}/${sensor}/${channel}`

function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts })
    client.once('connect', () => resolve(client))
    client.once('error', (err) => {
      client.end(true)
      reject(err)
    })
    client.once('close', () => reject(new Error('closed before CONNACK')))
  })
}

/** The SUBACK return codes for filters (mqtt.js reports any 0x80 as an error, so read the packet). */
function subackCodes(client: MqttClient, filters: string[]): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (packet: Packet) => {
      if (packet.cmd !== 'suback') return
      client.off('packetreceive', onPacket)
      resolve((packet.granted ?? []) as number[])
    }
    client.on('packetreceive', onPacket)
    client.subscribe(filters, { qos: 1 }, () => undefined)
  })
}

/** CONNACK code of a login attempt (0 = accepted). */
async function connackCode(url: string, opts: IClientOptions): Promise<number | string> {
  try {
    const c = await connect(url, opts)
    c.end(true)
    return 0
  } catch (err) {
    return (err as { code?: number }).code ?? (err as Error).message
  }
}

type Role = 'device' | 'otherDevice' | 'ingest' | 'reader' | 'operator' | 'admin'

// Topic kinds, from the point of view of `device` (cam-1 in Camden).
const PUBLISH_TOPICS = {
  ownAir: t(CAMDEN, 'cam-1', 'air'),
  ownTraffic: t(CAMDEN, 'cam-1', 'traffic'),
  ownStatus: t(CAMDEN, 'cam-1', 'status'),
  ownResult: t(CAMDEN, 'cam-1', 'result'),
  ownCmd: t(CAMDEN, 'cam-1', 'cmd'),
  ownErrors: t(CAMDEN, 'cam-1', 'errors'),
  otherAir: t(CAMDEN, 'cam-2', 'air'),
  otherCmd: t(CAMDEN, 'cam-2', 'cmd'),
  otherBoroughCmd: t(HACKNEY, 'hack-1', 'cmd'),
  otherBoroughAir: t(HACKNEY, 'cam-1', 'air'),
  otherErrors: t(HACKNEY, 'hack-1', 'errors'),
  offGrammar: 'streetsense/v1/E09000007/cam-1/air/extra',
  sys: '$SYS/broker/fake',
} as const
type PubKind = keyof typeof PUBLISH_TOPICS

/** Expected publish permissions (broker/hooks/authorize-publish.ts): everything else is refused. */
const PUBLISH_ALLOWED: Record<Role, PubKind[]> = {
  device: ['ownAir', 'ownTraffic', 'ownStatus', 'ownResult'],
  otherDevice: ['otherAir'], // cam-2: only its own air topic of all these; never another's cmd
  // the ingest (all boroughs) may send `status` (and `resend`) for gap repair
  ingest: ['ownErrors', 'otherErrors', 'ownCmd', 'otherCmd', 'otherBoroughCmd'],
  reader: [],
  // Camden's operator and admin command Camden's devices, not Hackney's
  operator: ['ownCmd', 'otherCmd'],
  admin: ['ownCmd', 'otherCmd'],
}

/** What goes to a topic kind: a valid command on cmd topics (the marker is its id), else the marker. */
function payloadFor(kind: PubKind, marker: string): string {
  if (!PUBLISH_TOPICS[kind].endsWith('/cmd')) return marker
  return JSON.stringify({ command: 'status', id: marker, expires_at: new Date(Date.now() + 3_600_000).toISOString() })
}

const SUBSCRIBE_FILTERS = {
  ownDownlink: t(CAMDEN, 'cam-1', '+'),
  ownCmd: t(CAMDEN, 'cam-1', 'cmd'),
  ownErrors: t(CAMDEN, 'cam-1', 'errors'),
  ownAir: t(CAMDEN, 'cam-1', 'air'),
  otherCmd: t(CAMDEN, 'cam-2', 'cmd'),
  otherErrors: t(HACKNEY, 'hack-1', 'errors'),
  ownResult: t(CAMDEN, 'cam-1', 'result'),
  otherBoroughResult: t(HACKNEY, 'hack-1', 'result'),
  allReadings: 'streetsense/v1/+/+/air',
  everything: 'streetsense/v1/#',
  hash: '#',
  sys: '$SYS/#',
  share: '$share/g/streetsense/v1/+/+/air',
} as const
type SubKind = keyof typeof SUBSCRIBE_FILTERS

/** Expected subscribe grants (broker/hooks/authorize-subscribe.ts) for the role connecting as cam-1's peer. */
const SUBSCRIBE_ALLOWED: Record<Role, SubKind[]> = {
  device: ['ownDownlink', 'ownCmd', 'ownErrors'],
  otherDevice: ['otherCmd'], // cam-2: of these only its own cmd topic
  ingest: [
    'ownDownlink',
    'ownCmd',
    'ownErrors',
    'ownAir',
    'otherCmd',
    'otherErrors',
    'ownResult',
    'otherBoroughResult',
    'allReadings',
    'everything',
  ],
  reader: ['ownAir', 'allReadings'],
  // operator and admin are scoped to Camden: their boroughs only, never '+'; and the answers
  // to commands (result) of their boroughs
  operator: ['ownAir', 'ownResult'],
  admin: ['ownAir', 'ownResult'],
}

describe('MQTT ACL matrix (real broker process)', () => {
  const data = tempDir('ss-acl-')
  let broker: BrokerProcess
  const creds: Record<string, Issued> = {}
  const open: MqttClient[] = []
  let watcher: MqttClient
  const seen: string[] = []
  const wasSeen = (marker: string) => seen.some((p) => p.includes(marker))

  const login: Record<Role, () => IClientOptions> = {
    device: () => ({ clientId: 'cam-1', ...creds['cam-1'] }),
    otherDevice: () => ({ clientId: 'cam-2', ...creds['cam-2'] }),
    ingest: () => ({ clientId: `ingest/${Math.random().toString(36).slice(2, 8)}`, ...creds.ingest }),
    reader: () => ({ clientId: `reader/${Math.random().toString(36).slice(2, 8)}`, ...creds.reader }),
    operator: () => ({ clientId: `camden-ops/${Math.random().toString(36).slice(2, 8)}`, ...creds.operator }),
    admin: () => ({ clientId: `admin/${Math.random().toString(36).slice(2, 8)}`, ...creds.admin }),
  }

  beforeAll(async () => {
    // One at a time: concurrent `sensors add` processes fail (see test/faults/registry-concurrency.test.ts).
    for (const [id, borough, kind] of [
      ['cam-1', CAMDEN, 'air'],
      ['cam-2', CAMDEN, 'air'],
      ['hack-1', HACKNEY, 'traffic'],
      ['old-1', CAMDEN, 'air'],
    ] as const) {
      creds[id] = await addSensor(data.dir, id, borough, kind)
    }
    creds.ingest = await addAccount(data.dir, 'ingest', 'ingest')
    creds.reader = await addAccount(data.dir, 'reader', 'reader')
    creds.operator = await addAccount(data.dir, 'camden-ops', 'operator', [CAMDEN])
    creds.admin = await addAccount(data.dir, 'admin', 'admin', [CAMDEN])
    await cli(['sensors', 'retire', 'old-1', '--data-dir', data.dir])
    // Many connections from one address in a short time: lift the per-address rate for the matrix.
    broker = await startBroker(data.dir, [
      '--connections-per-minute-per-address',
      '0',
      '--failed-login-throttle-count',
      '1000',
    ])
    watcher = await connect(broker.url, { clientId: 'ingest/watcher', ...creds.ingest })
    open.push(watcher)
    await watcher.subscribeAsync('streetsense/v1/#', { qos: 1 })
    watcher.on('message', (_topic, payload) => seen.push(payload.toString()))
  }, 240_000) // eight CLI starts, seconds each on a loaded machine
  afterAll(async () => {
    for (const c of open) c.end(true)
    await broker?.stop()
    data.remove()
  })

  it('refuses anonymous, wrong-password, unknown and retired logins', async () => {
    const url = broker.url
    expect(await connackCode(url, { clientId: 'cam-1' })).toBe(4) // anonymous
    expect(await connackCode(url, { clientId: 'cam-1', username: 'cam-1', password: 'wrong' })).toBe(4)
    expect(await connackCode(url, { clientId: 'cam-1', username: 'cam-1', password: creds['cam-2']!.password })).toBe(4)
    expect(await connackCode(url, { clientId: 'ghost', username: 'ghost', password: 'x' })).toBe(4)
    expect(await connackCode(url, { clientId: 'old-1', ...creds['old-1'] })).toBe(5) // retired
    // a device's password with another client id (identity must match)
    expect(await connackCode(url, { clientId: 'cam-2', ...creds['cam-1'] })).toBe(2)
  })

  it('answers an empty client id with clean session off with CONNACK 2 (MQTT-3.1.3-8)', async () => {
    const connack = async (...login: [string | undefined, string | undefined]) => {
      const r = await rawExchange(broker.ports.mqtt, [connectPacket('', ...login, 30, false)], 5000)
      expect(r.closedByBroker).toBe(true)
      return [...r.received.subarray(0, 4)]
    }
    // CONNACK, remaining length 2, no session present, return code 2 (identifier rejected)
    expect(await connack('cam-1', creds['cam-1']!.password)).toEqual([0x20, 2, 0, 2])
    expect(await connack(undefined, undefined)).toEqual([0x20, 2, 0, 2])
  })

  const cases = (Object.keys(PUBLISH_ALLOWED) as Role[]).flatMap((role) =>
    (Object.keys(PUBLISH_TOPICS) as PubKind[]).map((kind) => ({
      role,
      kind,
      allowed: PUBLISH_ALLOWED[role].includes(kind),
    })),
  )

  it('publish: every role x topic kind gets exactly the allowed set', async () => {
    const outcomes: string[] = []
    for (const { role, kind, allowed } of cases) {
      const client = await connect(broker.url, login[role]())
      const marker = `acl:${role}:${kind}:${Date.now()}`
      const outcome = await new Promise<'acked' | 'closed'>((resolve) => {
        client.once('close', () => resolve('closed'))
        client.publish(PUBLISH_TOPICS[kind], payloadFor(kind, marker), { qos: 1 }, (err) => {
          if (!err) resolve('acked')
        })
      })
      if (outcome === 'acked' && !PUBLISH_TOPICS[kind].startsWith('$')) {
        // allowed means delivered: wait until the watcher has it
        await waitFor(() => wasSeen(marker), 5000, marker).catch(() => undefined)
      }
      client.end(true)
      const delivered = wasSeen(marker)
      outcomes.push(`${role} ${kind}: ${outcome}${delivered ? ' delivered' : ''}`)
      expect({ role, kind, outcome, delivered }).toEqual({
        role,
        kind,
        outcome: allowed ? 'acked' : 'closed',
        delivered: allowed,
      })
    }
    // A refused message must not turn up late either. The watcher gets messages in the broker's
    // order, so once a message published after all of them is there, a late one would be too.
    const last = await connect(broker.url, login.device())
    const sentinel = `acl:sentinel:${Date.now()}`
    await last.publishAsync(PUBLISH_TOPICS.ownAir, sentinel, { qos: 1 })
    last.end(true)
    await waitFor(() => wasSeen(sentinel), 10_000, 'the sentinel at the watcher')
    for (const { role, kind, allowed } of cases) {
      if (!allowed) expect(wasSeen(`acl:${role}:${kind}:`)).toBe(false)
    }
    console.log(
      `ACL publish matrix: ${cases.length} cases, ${cases.filter((c) => c.allowed).length} allowed, ${cases.filter((c) => !c.allowed).length} refused`,
    )
  })

  it('subscribe: every role x filter kind gets exactly the allowed grants (0x80 otherwise)', async () => {
    const kinds = Object.keys(SUBSCRIBE_FILTERS) as SubKind[]
    let refused = 0
    for (const role of Object.keys(SUBSCRIBE_ALLOWED) as Role[]) {
      const client = await connect(broker.url, login[role]())
      open.push(client)
      const granted = await subackCodes(
        client,
        kinds.map((k) => SUBSCRIBE_FILTERS[k]),
      )
      const got = Object.fromEntries(kinds.map((k, i) => [k, granted[i]]))
      const want = Object.fromEntries(kinds.map((k) => [k, SUBSCRIBE_ALLOWED[role].includes(k) ? 1 : 128]))
      expect({ role, ...got }).toEqual({ role, ...want })
      expect(client.connected).toBe(true)
      refused += kinds.length - SUBSCRIBE_ALLOWED[role].length
      client.end(true)
    }
    const roles = Object.keys(SUBSCRIBE_ALLOWED).length
    console.log(`ACL subscribe matrix: ${roles * kinds.length} cases, ${refused} refused with 0x80`)
  })

  it('client ids: every role x client id kind gets exactly its own (CONNACK 2 otherwise)', async () => {
    const own: Record<Role, string> = {
      device: 'cam-1',
      otherDevice: 'cam-2',
      ingest: 'ingest',
      reader: 'reader',
      operator: 'camden-ops',
      admin: 'admin',
    }
    const kinds = {
      exact: (r: Role) => own[r],
      suffixed: (r: Role) => `${own[r]}/x`,
      prefixOnly: (r: Role) => `${own[r]}-x`,
      device: () => 'cam-1',
      consumer: () => 'ingest/ingest-0',
      otherService: (r: Role) => (r === 'reader' ? 'admin/x' : 'reader/x'),
    } as const
    type IdKind = keyof typeof kinds
    const allowed: Record<Role, IdKind[]> = {
      device: ['exact', 'device'], // cam-1's own id is 'cam-1'
      otherDevice: ['exact'],
      ingest: ['exact', 'suffixed', 'consumer'],
      reader: ['exact', 'suffixed'],
      operator: ['exact', 'suffixed'],
      admin: ['exact', 'suffixed'],
    }
    let refused = 0
    for (const role of Object.keys(allowed) as Role[]) {
      const { username, password } = login[role]() as { username: string; password: string }
      for (const kind of Object.keys(kinds) as IdKind[]) {
        const clientId = kinds[kind](role)
        const code = await connackCode(broker.url, { clientId, username, password })
        const want = allowed[role].includes(kind) ? 0 : 2
        expect({ role, kind, clientId, code }).toEqual({ role, kind, clientId, code: want })
        if (want === 2) refused++
      }
    }
    console.log(
      `ACL client-id matrix: ${Object.keys(allowed).length * Object.keys(kinds).length} cases, ${refused} refused with CONNACK 2`,
    )
  })

  it('a refused subscription receives nothing; the owner receives its downlink', async () => {
    const owner = await connect(broker.url, login.device())
    const other = await connect(broker.url, login.otherDevice())
    open.push(owner, other)
    await owner.subscribeAsync(SUBSCRIBE_FILTERS.ownDownlink, { qos: 1 })
    expect(await subackCodes(other, [SUBSCRIBE_FILTERS.ownDownlink, t(CAMDEN, 'cam-2', '+')])).toEqual([128, 1])
    const otherGot: string[] = []
    other.on('message', (topic) => otherGot.push(topic))
    const ownerGot = new Promise<string>((resolve) => owner.once('message', (topic) => resolve(topic)))
    const ingest = await connect(broker.url, login.ingest())
    open.push(ingest)
    await ingest.publishAsync(t(CAMDEN, 'cam-1', 'errors'), '{"code":"X"}', { qos: 1 })
    expect(await ownerGot).toBe(t(CAMDEN, 'cam-1', 'errors'))
    // A message other may have, published after: once it is there, cam-1's would have come first.
    await ingest.publishAsync(t(CAMDEN, 'cam-2', 'errors'), '{"code":"Y"}', { qos: 1 })
    await waitFor(() => otherGot.length > 0, 10_000, "cam-2's own downlink")
    expect(otherGot).toEqual([t(CAMDEN, 'cam-2', 'errors')])
  })
})

describe('failed-login throttling (real broker process)', () => {
  const data = tempDir('ss-throttle-')
  let broker: BrokerProcess
  let device: Issued

  beforeAll(async () => {
    device = await addSensor(data.dir, 'cam-9', CAMDEN)
    broker = await startBroker(data.dir, [
      '--failed-login-throttle-count',
      '5',
      '--connections-per-minute-per-address',
      '0',
    ])
  })
  afterAll(async () => {
    await broker?.stop()
    data.remove()
  })

  it('refuses further attempts for a username from an address after repeated failures, even with the right password', async () => {
    const codes: (number | string)[] = []
    for (let i = 0; i < 8; i++) {
      codes.push(await connackCode(broker.url, { clientId: 'cam-9', username: 'cam-9', password: `guess-${i}` }))
    }
    // 5 failures are checked (code 4), then this username from this address is throttled (code 5) without a password check
    expect(codes).toEqual([4, 4, 4, 4, 4, 5, 5, 5])
    expect(await connackCode(broker.url, { clientId: 'cam-9', ...device })).toBe(5)
    const metrics = await (await fetch(`http://127.0.0.1:${broker.ports.metrics}/metrics`)).text()
    const throttled = /streetsense_broker_refusals_total\{reason="login_throttled"\} (\d+)/.exec(metrics)
    expect(Number(throttled?.[1])).toBe(4)
    // the broker never logs a password it was given
    expect(broker.output()).not.toContain('guess-')
    expect(broker.output()).not.toContain(device.password)
  })
})
