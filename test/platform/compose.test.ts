/**
 * Docker is not available here, so docker-compose.yml is checked by reading it: every variable it
 * gives a streetsense service is one that service's settings schema knows, every mounted path
 * exists, every published port is the service's default, and .env.example names every variable.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { GLOBAL_VARIABLES, SERVICE_SETTINGS } from '../../cli/service-settings.js'
import { envName } from '../../core/settings.js'

const root = join(import.meta.dirname, '../..')
const run = promisify(execFile)
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8')
const compose = parse(text, { merge: true }) as {
  services: Record<
    string,
    {
      image?: string
      command?: string[]
      environment?: Record<string, string>
      volumes?: string[]
      ports?: string[]
      profiles?: string[]
    }
  >
}
const ours = Object.entries(compose.services).filter(([, s]) => s.image === 'streetsense:local')

function knownVariables(command: string[]): Set<string> {
  const name = command[0] === 'edge' ? `edge ${command[1]}` : command[0]!
  const entry = SERVICE_SETTINGS.find((c) => c.command === name)
  const vars = new Set(Object.keys(GLOBAL_VARIABLES))
  vars.add('STREETSENSE_DATA_DIR')
  if (entry) for (const key of Object.keys(entry.schema.properties)) vars.add(envName(key))
  // A variable the command line names explicitly (e.g. --password-env X) is read by that command.
  for (const arg of command) if (/^STREETSENSE_[A-Z_]+$/.test(arg)) vars.add(arg)
  return vars
}

describe('docker-compose.yml', () => {
  it('runs the broker, ingest, register, InfluxDB, Grafana, and a demo and a cluster profile', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining([
        'broker',
        'ingest',
        'register',
        'influxdb',
        'grafana',
        'simulator',
        'redis',
        'broker-a',
        'broker-b',
        'mqtt-lb',
      ]),
    )
    expect(compose.services.simulator?.profiles).toEqual(['demo'])
    expect(compose.services['broker-a']?.profiles).toEqual(['cluster'])
  })

  it.each(ours.map(([name, s]) => [name, s] as const))('%s sets only variables its command reads', (_name, service) => {
    const command = service.command ?? []
    const known = knownVariables(command)
    const unknown = Object.keys(service.environment ?? {}).filter((k) => k.startsWith('STREETSENSE_') && !known.has(k))
    expect(unknown).toEqual([])
  })

  it.each(ours.map(([name, s]) => [name, s.command ?? []] as const))(
    '%s runs a command the CLI has, with options it knows',
    async (_name, command) => {
      const sub = command[0] === 'edge' || command[0] === 'sensors' ? command.slice(0, 2) : command.slice(0, 1)
      const { stdout } = await run(process.execPath, [join(root, 'bin/streetsense.js'), ...sub, '--help'])
      const flags = command.filter((a) => a.startsWith('--'))
      for (const flag of flags) expect(stdout, `${sub.join(' ')} ${flag}`).toContain(flag)
    },
  )

  it('mounts only paths that exist in the repository', () => {
    const mounts = Object.values(compose.services).flatMap((s) => s.volumes ?? [])
    const local = mounts.map((m) => m.split(':')[0]!).filter((p) => p.startsWith('./'))
    expect(local.length).toBeGreaterThan(3)
    for (const p of local) expect(existsSync(join(root, p)), p).toBe(true)
  })

  it('publishes the ports the services listen on by default', () => {
    const defaults = (command: string) => SERVICE_SETTINGS.find((c) => c.command === command)!.schema.properties
    const containerPorts = (name: string) =>
      (compose.services[name]?.ports ?? []).map((p) => Number(p.split(':').at(-1)))
    expect(containerPorts('broker')).toContain(defaults('broker').port!.default)
    expect(containerPorts('ingest')).toContain(defaults('ingest').httpPort!.default)
    expect(containerPorts('register')).toContain(defaults('register').httpPort!.default)
    // The ingest's operator port is not published: only the compose network reaches it.
    const ingestEnv = compose.services.ingest!.environment!
    expect(Number(ingestEnv.STREETSENSE_OPS_PORT)).toBe(defaults('ingest').opsPort!.default)
    expect(containerPorts('ingest')).not.toContain(defaults('ingest').opsPort!.default)
    const brokerEnv = compose.services.broker!.environment!
    expect(Number(brokerEnv.STREETSENSE_METRICS_PORT)).toBe(defaults('broker').metricsPort!.default)
    expect(containerPorts('broker')).toContain(Number(brokerEnv.STREETSENSE_WS_PORT))
  })

  it('has every variable it interpolates in .env.example', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8')
    const defined = new Set([...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]))
    const used = new Set([...text.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]))
    expect([...used].filter((v) => !defined.has(v))).toEqual([])
  })

  it('builds a non-root image', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')
    expect(dockerfile).toMatch(/^USER streetsense$/m)
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2)
  })
})
