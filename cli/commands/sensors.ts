/**
 * `streetsense sensors`: the register of sensors and the accounts that may use the broker.
 * Passwords are shown once, when issued; errors name the field and exit with code 1.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { type RegistrySettings, RegistrySettingsSchema } from '../../broker/config.js'
import { RegistryError } from '../../broker/errors.js'
import { entriesFromCsv, toCsv } from '../../broker/registry/csv.js'
import { buildEntry, type EntryOptions } from '../../broker/registry/defaults.js'
import { type AccountRole, openRegistry, type Registry } from '../../broker/registry/registry.js'
import { isBoroughCode } from '../../schemas/boroughs.js'
import { addSettingOptions, ConfigError, loadSettings } from '../settings.js'

type Opts = Record<string, unknown> & { json?: boolean }

class UsageError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message)
  }
}

/** Runs one subcommand with an open registry; turns known errors into a message and exit code 1. */
function withRegistry(fn: (registry: Registry, opts: Opts, args: string[]) => void | Promise<void>) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command
    const opts = command.opts() as Opts
    const args = command.args
    let registry: Registry | undefined
    try {
      const settings = loadSettings<RegistrySettings>(RegistrySettingsSchema, opts)
      registry = openRegistry(settings.dataDir)
      await fn(registry, opts, args)
    } catch (err) {
      if (err instanceof RegistryError || err instanceof ConfigError || err instanceof UsageError) {
        const field = err.field ? ` (field ${err.field})` : ''
        const code = 'code' in err ? `${String(err.code)}: ` : ''
        if (opts.json)
          console.log(
            JSON.stringify({
              error: { code: (err as { code?: string }).code, field: err.field, message: err.message },
            }),
          )
        console.error(`error: ${code}${err.message}${field}`)
        process.exitCode = 1
      } else throw err
    } finally {
      registry?.close()
    }
  }
}

function number(opts: Opts, key: 'lat' | 'lon'): number | undefined {
  if (opts[key] === undefined) return undefined
  const n = Number(opts[key])
  if (!Number.isFinite(n)) throw new UsageError(`--${key} must be a number`, key)
  return n
}

function readEntries(file: string): unknown[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`, 'file')
  }
  if (/\.csv$/i.test(file) || !/^\s*[[{]/.test(text)) return entriesFromCsv(text)
  try {
    const parsed = JSON.parse(text) as unknown
    return Array.isArray(parsed) ? parsed : [parsed]
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`, 'file')
  }
}

const sub = (parent: Command, name: string, description: string) =>
  addSettingOptions(parent.command(name).description(description), RegistrySettingsSchema).option(
    '--json',
    'machine-readable output',
  )

export function registerSensorsCommand(program: Command): void {
  const sensors = program.command('sensors').description('manage the register of sensors and broker accounts')

  sub(sensors, 'add', 'register a sensor and issue its MQTT password (shown once)')
    .option('--id <id>', 'sensor id: the MQTT username, client id and topic level')
    .option('--borough <code>', 'ONS code E09000001..E09000033')
    .option('--kind <kind>', 'air | traffic')
    .option('--name <name>', 'short plain name, e.g. "Euston Road at Gower Street"')
    .option('--lat <lat>', 'latitude (default: the borough centre)')
    .option('--lon <lon>', 'longitude (default: the borough centre)')
    .option('--address <text>', 'street and place in words')
    .option('--operator <name>', 'organisation accountable (default "<borough> Council")')
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
    .action(
      withRegistry((registry, o) => {
        let entry: unknown
        if (o.file) {
          const [first, ...rest] = readEntries(String(o.file))
          if (rest.length > 0) throw new UsageError('--file holds several entries; use sensors import', 'file')
          entry = first
        } else {
          for (const k of ['id', 'borough', 'kind'] as const) {
            if (!o[k]) throw new UsageError(`--${k} is required (or give --file)`, k)
          }
          if (!isBoroughCode(String(o.borough))) {
            throw new UsageError(`--borough ${o.borough} is not an ONS code E09000001..E09000033`, 'borough')
          }
          if (o.kind !== 'air' && o.kind !== 'traffic') throw new UsageError('--kind must be air or traffic', 'kind')
          const measures = o.measures
            ? String(o.measures)
                .split(',')
                .map((s) => s.trim())
            : undefined
          entry = buildEntry({
            ...(o as unknown as EntryOptions),
            lat: number(o, 'lat'),
            lon: number(o, 'lon'),
            measures,
          })
        }
        const creds = registry.addSensor(entry as never)
        const stored = registry.getSensor(creds.username)?.entry
        if (o.json) return console.log(JSON.stringify({ id: creds.username, ...creds, entry: stored }))
        console.log(`registered ${creds.username} (${stored?.borough} ${stored?.kind})`)
        console.log(`MQTT username: ${creds.username}\nMQTT password: ${creds.password}`)
        console.log('The password is shown once. Store it on the device now.')
      }),
    )

  sub(sensors, 'list', 'list registered sensors')
    .option('--borough <code>', 'only this borough')
    .option('--kind <kind>', 'only air or traffic')
    .option('--status <status>', 'only this status')
    .action(
      withRegistry((registry, o) => {
        const filter = { borough: o.borough, kind: o.kind, status: o.status } as Record<string, string | undefined>
        const records = registry.listSensors(filter)
        if (o.json) return console.log(JSON.stringify(records.map((r) => r.entry)))
        for (const { entry: e } of records) console.log(`${e.id}\t${e.borough}\t${e.kind}\t${e.status}\t${e.name}`)
        console.log(`${records.length} sensor(s)`)
      }),
    )

  sub(sensors, 'show', 'show one sensor, its account and its audit trail')
    .argument('<id>')
    .action(
      withRegistry((registry, o, [id]) => {
        const record = registry.getSensor(id!)
        if (!record) throw new RegistryError('IOT_REGISTRY_NOT_FOUND', `no sensor ${id}`, 'id')
        const account = registry.getAccount(id!)
        const audit = registry.listAudit({ sensor: id!, limit: 20 })
        if (o.json) return console.log(JSON.stringify({ ...record, account, audit }))
        console.log(JSON.stringify(record.entry, null, 2))
        console.log(`account: ${account?.disabled ? 'disabled' : 'enabled'}; registered ${record.createdAt}`)
        for (const a of audit) console.log(`  ${a.time} ${a.actor} ${a.action}${a.detail ? ` ${a.detail}` : ''}`)
      }),
    )

  sub(sensors, 'rotate-credentials', 'issue a new password for a sensor or account (the old one stops working)')
    .argument('<id>')
    .action(
      withRegistry((registry, o, [id]) => {
        const creds = registry.rotateCredentials(id!)
        if (o.json) return console.log(JSON.stringify(creds))
        console.log(`MQTT username: ${creds.username}\nMQTT password: ${creds.password}\n(shown once)`)
      }),
    )

  sub(sensors, 'retire', 'mark a sensor retired and disable its account (its register entry stays public)')
    .argument('<id>')
    .action(
      withRegistry((registry, o, [id]) => {
        registry.retireSensor(id!)
        if (o.json) return console.log(JSON.stringify({ id, status: 'retired' }))
        console.log(`retired ${id}; its account can no longer connect`)
      }),
    )

  sub(sensors, 'import', 'register many sensors from a JSON array or CSV file (all or nothing)')
    .argument('<file>')
    .option('--update', 'update sensors that already exist instead of failing')
    .action(
      withRegistry((registry, o, [file]) => {
        const creds = registry.importSensors(readEntries(file!), 'cli', { update: Boolean(o.update) })
        if (o.json) return console.log(JSON.stringify(creds))
        console.log('username,password')
        for (const c of creds) console.log(`${c.username},${c.password}`)
        console.error(`${creds.length} new sensor(s); passwords are shown once`)
      }),
    )

  sub(sensors, 'export', 'write every register entry as JSON or CSV (no secrets)')
    .option('--format <format>', 'json | csv', 'json')
    .option('--output <file>', 'write to a file instead of stdout')
    .action(
      withRegistry((registry, o) => {
        if (o.format !== 'json' && o.format !== 'csv') throw new UsageError('--format must be json or csv', 'format')
        const entries = registry.listSensors().map((r) => r.entry)
        const text = o.format === 'csv' ? toCsv(entries) : `${JSON.stringify(entries, null, 2)}\n`
        if (o.output) writeFileSync(String(o.output), text)
        else process.stdout.write(text)
      }),
    )

  sub(sensors, 'add-account', 'create a service account (ingest, reader or admin) and issue its password')
    .requiredOption('--username <name>', 'account name (also the prefix of its MQTT client ids)')
    .requiredOption('--role <role>', 'ingest | reader | admin')
    .option('--boroughs <codes>', 'comma-separated borough codes the account is limited to')
    .action(
      withRegistry((registry, o) => {
        const boroughs = o.boroughs
          ? String(o.boroughs)
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : []
        const creds = registry.addAccount({ username: String(o.username), role: o.role as AccountRole, boroughs })
        if (o.json) return console.log(JSON.stringify({ ...creds, role: o.role, boroughs }))
        console.log(`username: ${creds.username}\npassword: ${creds.password}\n(shown once)`)
      }),
    )

  sub(
    sensors,
    'ensure-account',
    'create a service account if missing and set its password from an environment variable (idempotent; for deployments)',
  )
    .requiredOption('--username <name>', 'account name')
    .requiredOption('--role <role>', 'ingest | reader | admin')
    .requiredOption('--password-env <variable>', 'environment variable holding the password (at least 22 characters)')
    .option('--boroughs <codes>', 'comma-separated borough codes the account is limited to')
    .action(
      withRegistry(async (registry, o) => {
        const variable = String(o.passwordEnv)
        const password = process.env[variable]
        if (!password) throw new RegistryError('IOT_REGISTRY_INVALID_ENTRY', `${variable} is not set`, 'password-env')
        const username = String(o.username)
        const boroughs = o.boroughs
          ? String(o.boroughs)
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : []
        const existing = registry.getAccount(username)
        if (existing && existing.role !== o.role) {
          throw new RegistryError(
            'IOT_REGISTRY_DUPLICATE',
            `account ${username} exists with role ${existing.role}`,
            'role',
          )
        }
        if (!existing) registry.addAccount({ username, role: o.role as AccountRole, boroughs }, 'ensure-account')
        if (!existing || !(await registry.verify(username, password)))
          registry.setPassword(username, password, 'ensure-account')
        const state = existing ? 'exists' : 'created'
        if (o.json) return console.log(JSON.stringify({ username, role: o.role, state }))
        console.log(`account ${username} (${o.role}) ${state}; password set from ${variable}`)
      }),
    )
}
