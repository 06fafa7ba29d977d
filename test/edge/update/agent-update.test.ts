/**
 * The agent tier's A/B update with real processes: a real `streetsense broker`, the real agent
 * bundle packed into signed releases, unpacked into an install root, started from `current`
 * by a restarter that stops and starts the agent process as systemd would. Proves: a good
 * release installs, restarts and reports healthy (connected, publishing, its version in the
 * heartbeat) and the outbox survives the switch (seq numbers go on); a release whose new
 * version fails its health check rolls back by itself; tampered, expired, wrong-key, wrong-kind
 * and downgraded releases are refused and leave the node as it was; a trial cut short by a
 * reboot is rolled back by `updater recover`; an operator can roll back to the previous release.
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import mqtt from 'mqtt'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readHealth } from '../../../edge/update/health.js'
import { installRelease, rollBackToPrevious, type UpdaterContext } from '../../../edge/update/install.js'
import { generateReleaseKeys, loadPrivateKey, loadPublicKey } from '../../../edge/update/keys.js'
import { linkedVersion, switchLink } from '../../../edge/update/layout.js'
import { createRelease } from '../../../edge/update/manifest.js'
import { readUpdateState, writeUpdateState } from '../../../edge/update/state.js'
import { waitFor } from '../../helpers/ports.js'
import { addAccount, addSensor, type BrokerProcess, startBroker } from '../../helpers/processes.js'
import { simulatedNodeConfig } from '../helpers/agent-process.js'
import {
  type AgentRestarter,
  processRestarter,
  type ReleaseWorkshop,
  releaseWorkshop,
} from '../helpers/agent-release.js'

const run = promisify(execFile)
const SENSOR = 'upd-air-0001'
const BOROUGH = 'E09000007'

let shop: ReleaseWorkshop
let broker: BrokerProcess
let restarter: AgentRestarter
let subscriber: mqtt.MqttClient
let ctx: UpdaterContext
let dataDir: string
const seen: { version?: string; seq?: number; time: number }[] = []
const releases: Record<string, string> = {}

async function signed(
  name: string,
  payload: string,
  version: string,
  opts: { key?: string; now?: Date; kind?: 'agent' | 'firmware' } = {},
) {
  const out = join(shop.dir, 'releases', name)
  createRelease({
    kind: opts.kind ?? 'agent',
    version,
    payload,
    out,
    privateKey: loadPrivateKey(opts.key ?? join(shop.dir, 'keys', 'release.key')),
    now: opts.now,
    ...(opts.kind === 'firmware'
      ? { firmware: { board: 'uno', name: 'StandardFirmata.ino', major: 2, minor: 5 } }
      : {}),
  })
  return out
}

beforeAll(async () => {
  shop = await releaseWorkshop()
  generateReleaseKeys(join(shop.dir, 'keys'))
  generateReleaseKeys(join(shop.dir, 'other-keys'))
  const registry = join(shop.dir, 'registry')
  broker = await startBroker(registry)
  const device = await addSensor(registry, SENSOR, BOROUGH)
  const reader = await addAccount(registry, 'upd-reader', 'reader')
  dataDir = join(shop.dir, 'data')
  const configFile = join(shop.dir, 'node.json')
  writeFileSync(
    configFile,
    JSON.stringify(
      simulatedNodeConfig({
        id: SENSOR,
        borough: BOROUGH,
        brokerUrl: broker.url,
        login: device,
        dataDir,
        publishIntervalSeconds: 1,
      }),
    ),
  )
  restarter = processRestarter(shop.root, configFile)
  ctx = {
    root: shop.root,
    stateFile: join(shop.dir, 'state', 'update-state.json'),
    publicKey: loadPublicKey(join(shop.dir, 'keys', 'release.pub')),
    restarter,
    healthFiles: [join(dataDir, 'health.json')],
    healthTimeoutMs: 60_000,
    logger: pino({ level: 'silent' }),
  }
  subscriber = mqtt.connect(broker.url, {
    username: reader.username,
    password: reader.password,
    clientId: 'upd-reader',
  })
  await new Promise<void>((resolve, reject) => {
    subscriber.once('connect', () => resolve())
    subscriber.once('error', reject)
  })
  await subscriber.subscribeAsync(
    [`streetsense/v1/${BOROUGH}/${SENSOR}/air`, `streetsense/v1/${BOROUGH}/${SENSOR}/status`],
    { qos: 1 },
  )
  subscriber.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString())
    if (topic.endsWith('/status')) seen.push({ version: body.agent_version, time: Date.now() })
    else for (const r of body.readings ?? [body]) seen.push({ seq: r.seq, time: Date.now() })
  })
  releases.v010 = await signed('v010', await shop.agentPayload('0.1.0'), '0.1.0')
  releases.v020 = await signed('v020', await shop.agentPayload('0.2.0'), '0.2.0')
  releases.v030 = await signed('v030', await shop.brokenPayload('0.3.0'), '0.3.0')
}, 180_000)

afterAll(async () => {
  await restarter?.stop()
  subscriber?.end(true)
  await broker?.stop()
  shop?.remove()
})

/** The updater's command line (edge/update/main.ts) on this node's root and state. */
const updater = (...args: string[]) =>
  run(process.execPath, [
    ...['--import', 'tsx', 'edge/update/main.ts', ...args],
    ...['--install-root', shop.root, '--update-state-dir', join(shop.dir, 'state')],
    ...['--release-pubkey', join(shop.dir, 'keys', 'release.pub')],
  ])

const maxSeq = () => Math.max(0, ...seen.map((s) => s.seq ?? 0))
const heartbeatFrom = (version: string, after: number) => seen.some((s) => s.version === version && s.time > after)

describe('agent tier: A/B install with a health check', { timeout: 240_000 }, () => {
  it('installs a first release and then a newer one; each restarts, connects and publishes; the outbox survives', async () => {
    const first = await installRelease(releases.v010!, ctx)
    expect(first, restarter.output()).toEqual({ outcome: 'healthy', version: '0.1.0', from: undefined })
    expect(linkedVersion(shop.root)).toBe('0.1.0')
    await waitFor(() => maxSeq() >= 3, 30_000, 'readings from 0.1.0')
    const before = maxSeq()
    const pid = restarter.pid()

    const switchedAt = Date.now()
    const second = await installRelease(releases.v020!, ctx)
    expect(second).toEqual({ outcome: 'healthy', version: '0.2.0', from: '0.1.0' })
    expect(restarter.pid()).not.toBe(pid)
    expect(linkedVersion(shop.root)).toBe('0.2.0')
    expect(linkedVersion(shop.root, 'previous')).toBe('0.1.0')
    expect(readHealth(ctx.healthFiles[0]!)).toMatchObject({ version: '0.2.0', connected: true })
    await waitFor(() => heartbeatFrom('0.2.0', switchedAt), 30_000, 'a heartbeat from 0.2.0')
    // Same outbox: the new release numbers on from where the old one stopped, no restart at 1.
    await waitFor(() => maxSeq() > before + 2, 30_000, 'readings from 0.2.0')
    const seqs = [...new Set(seen.flatMap((s) => (s.seq ? [s.seq] : [])))].sort((a, b) => a - b)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
    const state = readUpdateState(ctx.stateFile)
    expect(state).toMatchObject({ state: 'healthy', current: '0.2.0', previous: '0.1.0' })
    expect(state.history.map((h) => `${h.version}:${h.outcome}`)).toEqual(['0.1.0:healthy', '0.2.0:healthy'])
  })

  it('rolls back by itself when the new version fails its health check', async () => {
    const since = Date.now()
    const outcome = await installRelease(releases.v030!, { ...ctx, healthTimeoutMs: 8000 })
    expect(outcome.outcome).toBe('rolled_back')
    expect(outcome.reason).toMatch(
      /health check failed after 8 s: .*no agent of version 0\.3\.0 started|version 0\.2\.0, not 0\.3\.0/,
    )
    expect(linkedVersion(shop.root)).toBe('0.2.0')
    // The old release runs again, freshly started, connected and publishing.
    const health = readHealth(ctx.healthFiles[0]!)!
    expect(health).toMatchObject({ version: '0.2.0', connected: true })
    expect(Date.parse(health.startedAt)).toBeGreaterThan(since)
    await waitFor(() => heartbeatFrom('0.2.0', Date.parse(health.startedAt)), 30_000, 'a heartbeat after the rollback')
    const state = readUpdateState(ctx.stateFile)
    expect(state).toMatchObject({ state: 'rolled_back', current: '0.2.0', bad: ['0.3.0'] })
    expect(state.lastError).toMatch(/health check failed/)
    await expect(installRelease(releases.v030!, ctx)).rejects.toThrow(
      /0\.3\.0 failed its health check on this node before/,
    )
  })

  it('refuses tampered, expired, wrong-key, wrong-kind and downgraded releases and changes nothing', async () => {
    const payload = join(shop.dir, 'agent-0.4.0.tar.gz')
    const good = await signed('v040', await shop.agentPayload('0.4.0'), '0.4.0')
    const tamperedPayload = join(shop.dir, 'releases', 'tampered-payload')
    cpSync(good, tamperedPayload, { recursive: true })
    const bytes = readFileSync(join(tamperedPayload, 'agent-0.4.0.tar.gz'))
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff
    writeFileSync(join(tamperedPayload, 'agent-0.4.0.tar.gz'), bytes)
    const tamperedManifest = join(shop.dir, 'releases', 'tampered-manifest')
    cpSync(good, tamperedManifest, { recursive: true })
    const m = join(tamperedManifest, 'manifest.json')
    writeFileSync(m, readFileSync(m, 'utf8').replace('"version": "0.4.0"', '"version": "0.4.1"'))
    const cases: [string, string, RegExp][] = [
      ['tampered payload', tamperedPayload, /wrong hash/],
      ['tampered manifest', tamperedManifest, /bad signature/],
      [
        'expired',
        await signed('expired', payload, '0.4.0', { now: new Date(Date.now() - 30 * 86_400_000) }),
        /expired/,
      ],
      [
        'wrong key',
        await signed('wrong-key', payload, '0.4.0', { key: join(shop.dir, 'other-keys', 'release.key') }),
        /wrong key/,
      ],
      ['wrong kind', await signed('firmware', payload, '0.4.0', { kind: 'firmware' }), /wrong kind/],
      ['downgrade', releases.v010!, /not newer: 0\.1\.0 is older than the installed 0\.2\.0/],
      ['same version', releases.v020!, /not newer: 0\.2\.0 is equal to/],
    ]
    const pid = restarter.pid()
    const restarts = restarter.restarts
    for (const [what, dir, reason] of cases) {
      await expect(installRelease(dir, ctx), what).rejects.toMatchObject({
        code: 'IOT_EDGE_UPDATE_REFUSED',
        message: expect.stringMatching(reason),
      })
    }
    expect(existsSync(join(shop.root, 'releases', '0.4.0'))).toBe(false)
    expect(existsSync(join(shop.root, 'releases', '0.4.1'))).toBe(false)
    expect(linkedVersion(shop.root)).toBe('0.2.0')
    expect([restarter.pid(), restarter.restarts]).toEqual([pid, restarts])

    // The updater's command line says the same and exits 1.
    const refused = await updater('install', tamperedManifest).catch((err: { code: number; stderr: string }) => err)
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/IOT_EDGE_UPDATE_REFUSED: bad signature/) })
  })

  it('rolls back a trial that a reboot cut short, before the agent starts again (updater recover)', async () => {
    // A trial of 0.3.0 persisted by an updater that no longer runs (another boot).
    const state = readUpdateState(ctx.stateFile)
    writeUpdateState(ctx.stateFile, {
      ...state,
      state: 'installed',
      trial: {
        version: '0.3.0',
        from: '0.2.0',
        startedAt: new Date().toISOString(),
        deadline: new Date(Date.now() + 60_000).toISOString(),
        updaterPid: 1,
        bootId: 'a-boot-before-the-power-cut',
      },
    })
    switchLink(shop.root, '0.3.0')
    const { stdout } = await updater('recover')
    expect(stdout).toMatch(/^rolled_back: the trial of 0\.3\.0 was interrupted/)
    expect(linkedVersion(shop.root)).toBe('0.2.0')
    const recovered = readUpdateState(ctx.stateFile)
    expect(recovered).toMatchObject({ state: 'rolled_back', current: '0.2.0' })
    expect(recovered.trial).toBeUndefined()
    // Run again (systemd may call it on every start): nothing to do.
    const again = await updater('recover')
    expect(again.stdout).toMatch(/^none: no trial/)
  })

  it('lets an operator roll back to the previous release', async () => {
    const outcome = await rollBackToPrevious(ctx)
    expect(outcome).toMatchObject({ outcome: 'rolled_back', version: '0.2.0', from: '0.1.0' })
    expect(linkedVersion(shop.root)).toBe('0.1.0')
    expect(readHealth(ctx.healthFiles[0]!)).toMatchObject({ version: '0.1.0', connected: true })
    expect(readUpdateState(ctx.stateFile).bad).not.toContain('0.2.0')
  })
})
