/**
 * Field tools: flash planning (board table, argument checks, the hex avrgirl ships) with a fake
 * avrgirl for the flash call itself (a real flash needs a board: DTR reset is impossible on a
 * pty or in avr8js), provisioning from flags and from `sensors add --json`, the doctor against
 * an emulated SDS011 on a pty and a real broker, and a simulated fleet against a real broker.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { loadEdgeConfig, parseEdgeConfig } from '../../edge/config.js'
import { listDevNodes, listSerialPorts, onPath } from '../../edge/sensors/list-ports.js'
import { sds011DataFrame } from '../../edge/sensors/sds011-frame.js'
import { startSimulatedFleet } from '../../edge/simulated-fleet.js'
import { formatChecks, runDoctor } from '../../edge/tools/doctor.js'
import { firmataHexes, flashBoard, knownBoards, planFlash } from '../../edge/tools/flash.js'
import { buildNodeConfig, fromSensorsAddJson, writeNodeConfig } from '../../edge/tools/provision.js'
import { validateReadingMessage } from '../../schemas/validate.js'
import { startPlainAedes } from '../helpers/aedes.js'
import { waitFor } from '../helpers/ports.js'
import { tapReadings } from './helpers/broker-tap.js'
import { openSensorEnd, startPtyPair } from './helpers/pty.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'edge-tools-'))
  cleanups.push(() => rmSync(d, { recursive: true, force: true }))
  return d
}

describe('edge flash', () => {
  it('knows avrgirl boards and finds the StandardFirmata hex it ships', () => {
    expect(knownBoards()).toEqual(expect.arrayContaining(['uno', 'nano', 'mega', 'leonardo']))
    const hexes = firmataHexes()
    expect([...hexes.keys()]).toEqual(expect.arrayContaining(['uno', 'nano', 'mega', 'pro-mini']))
    const plan = planFlash({ board: 'uno', port: '/dev/ttyACM0' }, () => true)
    expect(plan.hexPath).toMatch(/junk\/hex\/uno\/StandardFirmata\.cpp\.hex$/)
    expect(readFileSync(plan.hexPath, 'latin1')).toContain(':')
    expect(plan.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it.each([
    [{ port: '/dev/ttyACM0' }, 'board'],
    [{ board: 'uno' }, 'port'],
    [{ board: 'toaster', port: '/dev/ttyACM0' }, 'board'],
    [{ board: 'feather', port: '/dev/ttyACM0' }, 'hex'], // avrgirl knows it but ships no Firmata for it
  ])('refuses bad arguments before touching a board (%#)', (opts, field) => {
    expect(() => planFlash(opts, () => true)).toThrowError(expect.objectContaining({ code: 'IOT_EDGE_FLASH', field }))
  })

  it('refuses a port that does not exist', () => {
    expect(() => planFlash({ board: 'uno', port: '/dev/does-not-exist' })).toThrowError(/does not exist/)
  })

  it('passes board, port and hex to avrgirl and reports its failure', async () => {
    const plan = planFlash({ board: 'nano', port: '/dev/ttyUSB0' }, () => true)
    const calls: unknown[] = []
    await flashBoard(plan, (opts) => ({
      flash(file, cb) {
        calls.push([opts, file])
        cb(null)
      },
    }))
    expect(calls).toEqual([[{ board: 'nano', port: '/dev/ttyUSB0' }, plan.hexPath]])
    await expect(flashBoard(plan, () => ({ flash: (_f, cb) => cb(new Error('no sync')) }))).rejects.toThrow(/no sync/)
  })
})

describe('edge provision', () => {
  it('writes a config the agent accepts, from flags or from `sensors add --json`', () => {
    const dir = tmp()
    const out = join(dir, 'node.yaml')
    writeNodeConfig(
      out,
      buildNodeConfig({
        sensor: 'cam-air-9',
        password: 'p'.repeat(24),
        brokerUrl: 'mqtts://mqtt.example:8883',
        borough: 'E09000007',
        kind: 'air',
        driver: 'sds011',
        port: '/dev/serial0',
      }),
    )
    const c = loadEdgeConfig(out)
    expect(c.sensor).toMatchObject({ id: 'cam-air-9', borough: 'E09000007', kind: 'air' })
    expect(c.broker).toMatchObject({
      url: 'mqtts://mqtt.example:8883',
      username: 'cam-air-9',
      password: 'p'.repeat(24),
    })
    expect(c.sensors[0]).toMatchObject({ driver: 'sds011', port: '/dev/serial0' })

    const json = {
      entry: { id: 'hck-traffic-2', borough: 'E09000012', kind: 'traffic', name: 'x' },
      credentials: { username: 'hck-traffic-2', password: 'secret-secret' },
    }
    const input = fromSensorsAddJson(json)
    expect(input).toMatchObject({
      sensor: 'hck-traffic-2',
      borough: 'E09000012',
      kind: 'traffic',
      password: 'secret-secret',
    })
    expect(fromSensorsAddJson({ id: 'a1', borough: 'E09000001', kind: 'air', password: 'pw' })).toMatchObject({
      sensor: 'a1',
      password: 'pw',
    })
    const cfg = buildNodeConfig({ ...input, brokerUrl: 'mqtt://127.0.0.1:1883', driver: 'arduino' })
    expect(parseEdgeConfig(cfg).sensors[0]).toMatchObject({
      driver: 'arduino',
      traffic: [{ pin: 7, class: 'car', input: 'pir' }],
    })
  })

  it('names what is missing', () => {
    expect(() =>
      buildNodeConfig({ sensor: 'x', brokerUrl: 'mqtt://h', borough: 'E09000007', kind: 'air' }),
    ).toThrowError(expect.objectContaining({ code: 'IOT_EDGE_PROVISION', field: 'password' }))
    expect(() =>
      buildNodeConfig({ sensor: 'x', password: 'p', brokerUrl: 'mqtt://h', borough: 'E09999999', kind: 'air' }),
    ).toThrowError(expect.objectContaining({ code: 'IOT_EDGE_PROVISION', field: 'sensor/borough' }))
  })
})

describe('serial port listing', () => {
  it('lists ports without crashing, with or without udevadm', async () => {
    const ports = await listSerialPorts()
    expect(Array.isArray(ports)).toBe(true)
    expect(onPath('udevadm', '')).toBe(false)
    const dir = tmp()
    for (const n of ['ttyUSB0', 'ttyACM1', 'ttyAMA0', 'ttyS3', 'tty1', 'null']) writeFileSync(join(dir, n), '')
    expect(listDevNodes(dir).map((p) => p.path.slice(dir.length + 1))).toEqual([
      'ttyACM1',
      'ttyAMA0',
      'ttyS3',
      'ttyUSB0',
    ])
  })
})

describe('edge doctor', () => {
  it('shows a live frame from an emulated SDS011, a good login, and a failing sensor in plain words', async () => {
    const dir = tmp()
    const broker = await startPlainAedes()
    cleanups.push(() => broker.close())
    const pty = await startPtyPair(dir)
    cleanups.push(() => pty.kill())
    const sensor = await openSensorEnd(pty.sensorPath)
    cleanups.push(() => sensor.close())
    const feeder = setInterval(() => void sensor.write(sds011DataFrame(8.4, 12.9)), 200)
    cleanups.push(() => clearInterval(feeder))
    const config = parseEdgeConfig({
      sensor: { id: 'cam-air-doc', borough: 'E09000007', kind: 'air' },
      broker: { url: broker.url },
      dataDir: join(dir, 'data'),
      sensors: [
        { driver: 'sds011', port: pty.agentPath },
        { driver: 'pms5003', port: join(dir, 'nothing-here') },
      ],
    })
    const checks = await runDoctor(config, pino({ level: 'silent' }), { frameTimeoutMs: 3000 })
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]))
    expect(byName[`sds011:${pty.agentPath}`]).toMatchObject({ ok: true, detail: expect.stringContaining('aac0540081') })
    expect(byName[`pms5003:${join(dir, 'nothing-here')}`]).toMatchObject({
      ok: false,
      detail: expect.stringContaining('IOT_EDGE_SERIAL_OPEN'),
    })
    expect(byName['broker login']).toMatchObject({ ok: true })
    expect(byName.clock).toBeDefined()
    expect(formatChecks(checks)).toMatch(/FAIL pms5003.*\n\s+-> check wiring/)
  })
})

describe('simulated fleet', () => {
  it('runs N nodes, each with its own outbox and connection, all delivering valid readings', async () => {
    const dir = tmp()
    const broker = await startPlainAedes()
    cleanups.push(() => broker.close())
    const tap = tapReadings(broker.broker)
    const fleet = await startSimulatedFleet({
      brokerUrl: broker.url,
      count: 4,
      dataDir: dir,
      logger: pino({ level: 'silent' }),
      publishIntervalSeconds: 1,
      sampleMs: 200,
      boroughs: ['E09000007', 'E09000012'],
    })
    cleanups.push(() => fleet.stop())
    const ids = fleet.sensors.map((s) => s.id)
    expect(new Set(ids).size).toBe(4)
    await waitFor(() => ids.every((id) => tap.readings.some((r) => r.sensor === id)), 30_000, 'every node delivered')
    for (const r of tap.readings) expect(validateReadingMessage(r).ok).toBe(true)
    expect(new Set(tap.readings.map((r) => r.kind))).toEqual(new Set(['air', 'traffic']))
    expect(new Set(fleet.agents.map((a) => a.publisher.topic)).size).toBe(4)
  })
})

describe('deploy files', () => {
  it('the example node config passes the agent check', () => {
    const c = loadEdgeConfig('deploy/edge-node.example.yaml')
    expect(c.sensors.map((s) => s.driver)).toEqual(['sds011', 'bme280', 'arduino'])
  })

  it('the systemd unit restarts always, has a watchdog, runs unprivileged and hardened', () => {
    const unit = readFileSync('deploy/streetsense-edge@.service', 'utf8')
    const directives = new Map<string, string[]>()
    for (const line of unit.split('\n')) {
      const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim())
      if (m) directives.set(m[1]!, [...(directives.get(m[1]!) ?? []), m[2]!])
    }
    const one = (k: string) => directives.get(k)?.[0]
    expect(one('Restart')).toBe('always')
    expect(one('Type')).toBe('notify')
    expect(Number(one('WatchdogSec'))).toBeGreaterThan(0)
    expect(one('NotifyAccess')).toBe('all') // systemd-notify runs as a child process
    expect(one('User')).toBe('streetsense')
    expect(one('SupplementaryGroups')?.split(' ')).toEqual(expect.arrayContaining(['dialout', 'i2c']))
    for (const k of ['NoNewPrivileges', 'ProtectSystem', 'PrivateTmp', 'DevicePolicy'])
      expect(directives.has(k)).toBe(true)
    expect(one('ExecStart')).toMatch(
      /\/opt\/streetsense\/current\/main\.mjs --config \/etc\/streetsense\/edge\/%i\.yaml$/,
    )
    // A trial cut short by a reboot is rolled back before the agent starts (as root: '+').
    expect(one('ExecStartPre')).toMatch(/^-\+\/usr\/bin\/node \/opt\/streetsense\/updater\/updater\.mjs recover$/)
    expect(one('OnFailure')).toBe('streetsense-update-recover.service')
    // The agent may write into the updater's inbox, and nowhere else of the updater's.
    expect(directives.get('ReadWritePaths')).toEqual([
      '/var/lib/streetsense-edge',
      '-/var/lib/streetsense/update/inbox',
    ])
  })

  it('the update path unit starts the updater as root on a request in the inbox', () => {
    const path = readFileSync('deploy/streetsense-update.path', 'utf8')
    expect(path).toMatch(/^DirectoryNotEmpty=\/var\/lib\/streetsense\/update\/inbox$/m)
    expect(path).toMatch(/^Unit=streetsense-update\.service$/m)
    const service = readFileSync('deploy/streetsense-update.service', 'utf8')
    expect(service).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/streetsense\/updater\/updater\.mjs take$/m)
    expect(service).not.toMatch(/^User=/m)
  })
})
