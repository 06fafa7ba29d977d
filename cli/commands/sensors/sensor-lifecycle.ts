/**
 * A sensor's life in the register: `add`, `list`, `show`, `rotate-credentials`, `retire`.
 * Passwords are shown once, when issued.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Command } from 'commander'
import { StreetsenseError } from '../../../core/index.js'
import { buildEntry, type EntryOptions, type Registry } from '../../../registry/index.js'
import { boroughOption } from '../../borough-option.js'
import { readEntries } from './import-export.js'
import { type Opts, registrySubcommand, withRegistry } from './registry-action.js'

function number(opts: Opts, key: 'lat' | 'lon'): number | undefined {
  if (opts[key] === undefined) return undefined
  const n = Number(opts[key])
  if (!Number.isFinite(n)) throw new StreetsenseError('IOT_USAGE', `--${key} must be a number`, key)
  return n
}

/** The register entry for `sensors add`: from `--file`, or built from flags with per-borough/kind defaults. */
function entryFromOptions(o: Opts): unknown {
  if (o.file) {
    const [first, ...rest] = readEntries(String(o.file))
    if (rest.length > 0)
      throw new StreetsenseError('IOT_USAGE', '--file holds several entries; use sensors import', 'file')
    return first
  }
  for (const k of ['id', 'borough', 'kind'] as const) {
    if (!o[k]) throw new StreetsenseError('IOT_USAGE', `--${k} is required (or give --file)`, k)
  }
  const borough = boroughOption(o.borough)
  if (o.kind !== 'air' && o.kind !== 'traffic')
    throw new StreetsenseError('IOT_USAGE', '--kind must be air or traffic', 'kind')
  const measures = o.measures
    ? String(o.measures)
        .split(',')
        .map((s) => s.trim())
    : undefined
  return buildEntry({
    ...(o as unknown as EntryOptions),
    borough: borough as string,
    lat: number(o, 'lat'),
    lon: number(o, 'lon'),
    measures,
  })
}

export function registerSensorLifecycleCommands(sensors: Command): void {
  registerAddCommand(sensors)
  registerListCommand(sensors)
  registerShowCommand(sensors)
  // Also works for service accounts; it lives here to keep its place in `sensors --help`.
  registerRotateCredentialsCommand(sensors)
  registerRetireCommand(sensors)
}

function registerAddCommand(sensors: Command): void {
  registrySubcommand(sensors, 'add', 'Register a sensor and issue its MQTT password (shown once)')
    .option('--id <id>', 'sensor id: the MQTT username, client id and topic level')
    .option('--borough <code or name>', 'borough: ONS code or name, e.g. E09000007 or Camden (`streetsense boroughs`)')
    .option('--kind <kind>', 'air | traffic')
    .option('--name <name>', 'short plain name, e.g. "Euston Road at Gower Street"')
    .option('--lat <lat>', 'latitude (default: the borough centre)')
    .option('--lon <lon>', 'longitude (default: the borough centre)')
    .option('--address <text>', 'street and place in words')
    .option(
      '--operator <name>',
      'organisation accountable (default: the borough\'s council, e.g. "Camden Council", "City of London Corporation")',
    )
    .option('--email <address>', 'public team mailbox')
    .option('--purpose <text>', 'why the sensor is there, in plain English')
    .option('--measures <list>', 'comma-separated reading fields (default per kind)')
    .option('--personal-data <level>', 'none | pseudonymised | personal', 'none')
    .option('--legal-basis <basis>', 'UK GDPR Article 6 basis (needed unless personal data is none)')
    .option('--dpia-url <url>', 'published DPIA (needed unless personal data is none)')
    .option('--retention <duration>', 'ISO 8601 duration or "indefinite"', 'P5Y')
    .option('--licence <licence>', 'OGL-UK-3.0 | CC-BY-4.0 | CC0-1.0 | ODbL-1.0', 'OGL-UK-3.0')
    .option('--sharing <level>', 'open | shared | restricted', 'open')
    .option('--grade <grade>', 'reference | indicative | citizen', 'indicative')
    .option('--installed <date>', 'YYYY-MM-DD')
    .option('--status <status>', 'planned | active | maintenance | retired', 'active')
    .option('--file <entry.json>', 'take the whole register entry from a JSON file instead')
    .option(
      '--out <file>',
      'write the --json output (with the password) to this new file, mode 600, for `edge provision`',
    )
    .action(
      withRegistry((registry, o) => {
        const entry = entryFromOptions(o)
        if (o.out) return addToFile(registry, entry, String(o.out))
        const creds = registry.addSensor(entry as never)
        const stored = registry.getSensor(creds.username)?.entry
        if (o.json) return console.log(JSON.stringify({ id: creds.username, ...creds, entry: stored }))
        console.log(`registered ${creds.username} (${stored?.borough} ${stored?.kind})`)
        console.log(`MQTT username: ${creds.username}\nMQTT password: ${creds.password}`)
        console.log('The password is shown once. Store it on the device now.')
      }),
    )
}

/**
 * `sensors add --out FILE`: the file is created (new, mode 600, with its folders) before the sensor
 * is added, so a password can never be issued into a file that cannot be written.
 */
function addToFile(registry: Registry, entry: unknown, file: string): void {
  mkdirSync(dirname(file), { recursive: true })
  let fd: number
  try {
    fd = openSync(file, 'wx', 0o600)
  } catch (err) {
    throw new StreetsenseError('IOT_USAGE', `--out ${file}: ${(err as Error).message}`, 'out')
  }
  try {
    const creds = registry.addSensor(entry as never)
    const stored = registry.getSensor(creds.username)?.entry
    writeSync(fd, `${JSON.stringify({ id: creds.username, ...creds, entry: stored }, null, 2)}\n`)
    console.log(`registered ${creds.username} (${stored?.borough} ${stored?.kind}); its password is in ${file}`)
    console.log(`Next: streetsense edge provision --from-json ${file} --broker-url <url> --out <node config>`)
  } catch (err) {
    closeSync(fd)
    rmSync(file)
    throw err
  }
  closeSync(fd)
}

function registerListCommand(sensors: Command): void {
  registrySubcommand(sensors, 'list', 'List registered sensors')
    .option('--borough <code or name>', 'only this borough (code or name)')
    .option('--kind <kind>', 'only air or traffic')
    .option('--status <status>', 'only this status')
    .action(
      withRegistry((registry, o) => {
        const filter = { borough: boroughOption(o.borough), kind: o.kind, status: o.status } as Record<
          string,
          string | undefined
        >
        const records = registry.listSensors(filter)
        if (o.json) return console.log(JSON.stringify(records.map((r) => r.entry)))
        for (const { entry: e } of records) console.log(`${e.id}\t${e.borough}\t${e.kind}\t${e.status}\t${e.name}`)
        console.log(`${records.length} sensor(s)`)
      }),
    )
}

function registerShowCommand(sensors: Command): void {
  registrySubcommand(sensors, 'show', 'Show one sensor, its account and its audit trail')
    .argument('<id>')
    .action(
      withRegistry((registry, o, [id]) => {
        const record = registry.getSensor(id!)
        if (!record) throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no sensor ${id}`, 'id')
        const account = registry.getAccount(id!)
        const audit = registry.listAudit({ sensor: id!, limit: 20 })
        if (o.json) return console.log(JSON.stringify({ ...record, account, audit }))
        console.log(JSON.stringify(record.entry, null, 2))
        console.log(`account: ${account?.disabled ? 'disabled' : 'enabled'}; registered ${record.createdAt}`)
        for (const a of audit) console.log(`  ${a.time} ${a.actor} ${a.action}${a.detail ? ` ${a.detail}` : ''}`)
      }),
    )
}

function registerRotateCredentialsCommand(sensors: Command): void {
  registrySubcommand(
    sensors,
    'rotate-credentials',
    'Issue a new password for a sensor or account (the old one stops working)',
  )
    .argument('<id>')
    .action(
      withRegistry((registry, o, [id]) => {
        const creds = registry.rotateCredentials(id!)
        if (o.json) return console.log(JSON.stringify(creds))
        console.log(`MQTT username: ${creds.username}\nMQTT password: ${creds.password}\n(shown once)`)
      }),
    )
}

function registerRetireCommand(sensors: Command): void {
  registrySubcommand(
    sensors,
    'retire',
    'Mark a sensor retired and disable its account (its register entry stays public)',
  )
    .argument('<id>')
    .action(
      withRegistry((registry, o, [id]) => {
        registry.retireSensor(id!)
        if (o.json) return console.log(JSON.stringify({ id, status: 'retired' }))
        console.log(`retired ${id}; its account can no longer connect`)
      }),
    )
}
