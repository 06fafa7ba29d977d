/**
 * `streetsense quality`: the data-quality records of the registry (docs/data-quality.md). Print the
 * QC flags; ratify a sensor's period (a new version, audited); Fit a calibration against a
 * co-located reference sensor from the readings in InfluxDB (a new version, audited); list both.
 */
import { userInfo } from 'node:os'
import type { Command } from 'commander'
import { StreetsenseError } from '../../core/index.js'
import { FLAG_CATALOGUE, QC_VERSION } from '../../ingest/index.js'
import { calibrate, correctionLabel, createInfluxReader } from '../../register/index.js'
import type { RatificationDecision, Registry } from '../../registry/index.js'
import { type Opts, registrySubcommand, withRegistry } from './sensors/registry-action.js'

const collect = (value: string, previous: string[] = []) => [...previous, value]
const actor = (o: Opts) => String(o.by ?? `cli:${userInfo().username}`)

/** A UTC time or a date as given on the command line, as an ISO instant; the flag is named when bad. */
function instant(flag: string, value: unknown): string {
  const text = String(value ?? '')
  const ms = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z)?$/.test(text)
    ? Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text)
    : Number.NaN
  if (Number.isNaN(ms))
    throw new StreetsenseError('IOT_USAGE', `--${flag} must be a UTC time (2026-05-01T12:00Z) or a date`, flag)
  return new Date(ms).toISOString()
}

function requireSensor(registry: Registry, o: Opts): string {
  const id = String(o.sensor ?? '')
  if (!registry.getSensor(id))
    throw new StreetsenseError('IOT_USAGE', `--sensor ${id || '(missing)'} is not in the register`, 'sensor')
  return id
}

/** `pm2_5,pm10@2026-11-03T10:00Z/2026-11-03T12:00Z=filter changed` -> a decision. */
function decision(action: 'exclude' | 'accept', spec: string): RatificationDecision {
  const m = /^([^@]+)@([^/]+)\/([^=]+)=(.+)$/.exec(spec)
  if (!m)
    throw new StreetsenseError(
      'IOT_USAGE',
      `--${action} must look like pm2_5,pm10@FROM/TO=reason (fields or *)`,
      action,
    )
  return { action, fields: m[1]!.split(','), from: instant(action, m[2]), to: instant(action, m[3]), reason: m[4]! }
}

export function registerQualityCommand(program: Command): void {
  const quality = program.command('quality').description('Data quality: QC flags, ratification, calibration')
  quality
    .command('flags')
    .description('The automated QC flags: rule, effect on aggregates, threshold and source')
    .option('--json', 'machine-readable output')
    .action((o: Opts) => {
      if (o.json) return console.log(JSON.stringify({ qc_version: QC_VERSION, flags: FLAG_CATALOGUE }, null, 2))
      console.log(`QC version ${QC_VERSION}`)
      for (const f of FLAG_CATALOGUE) console.log(`${f.flag} [${f.severity}] ${f.rule}: ${f.threshold}`)
    })
  registerRatifyCommands(quality)
  registerCalibrateCommands(quality)
}

function registerRatifyCommands(quality: Command): void {
  registrySubcommand(quality, 'ratify', "Record an operator's review of a sensor's period (a new version)")
    .option('--sensor <id>', 'the sensor')
    .option('--from <time>', 'start of the ratified period (UTC time or date)')
    .option('--to <time>', 'end of the period (exclusive)')
    .option('--exclude <spec>', 'values that are invalid: fields@FROM/TO=reason (repeatable; fields or *)', collect)
    .option('--accept <spec>', 'flagged values that are valid after all: fields@FROM/TO=reason (repeatable)', collect)
    .option('--note <text>', 'what was reviewed')
    .option('--by <name>', 'who ratified (default cli:<login>)')
    .action(
      withRegistry((registry, o) => {
        const sensor = requireSensor(registry, o)
        const decisions = [
          ...((o.exclude as string[] | undefined) ?? []).map((s) => decision('exclude', s)),
          ...((o.accept as string[] | undefined) ?? []).map((s) => decision('accept', s)),
        ]
        const r = registry.addRatification(
          {
            sensor,
            from: instant('from', o.from),
            to: instant('to', o.to),
            decisions,
            ...(o.note ? { note: String(o.note) } : {}),
          },
          actor(o),
        )
        if (o.json) return console.log(JSON.stringify(r, null, 2))
        console.log(`ratified ${sensor} ${r.from} .. ${r.to}: version ${r.version}, ${r.decisions.length} decision(s)`)
      }),
    )
  registrySubcommand(quality, 'ratifications', "List a sensor's ratification versions")
    .option('--sensor <id>', 'the sensor')
    .action(
      withRegistry((registry, o) => {
        const list = registry.listRatifications(requireSensor(registry, o))
        if (o.json) return console.log(JSON.stringify(list, null, 2))
        for (const r of list)
          console.log(`v${r.version} ${r.from} .. ${r.to} by ${r.by} at ${r.at}; ${r.decisions.length} decision(s)`)
      }),
    )
}

function registerCalibrateCommands(quality: Command): void {
  registrySubcommand(quality, 'calibrate', 'Fit a calibration against a co-located reference sensor (a new version)')
    .option('--sensor <id>', 'the sensor to calibrate')
    .option('--field <field>', 'pm2_5, pm10, no2 or o3')
    .option('--reference <id>', 'a sensor registered with data_grade "reference", within 100 m')
    .option('--from <time>', 'start of the co-location (UTC time or date)')
    .option('--to <time>', 'end of the co-location (exclusive)')
    .option('--covariates <list>', 'relative_humidity and/or temperature (comma-separated)', '')
    .option('--valid-from <time>', 'the calibration applies from (default: the co-location start)')
    .option('--valid-to <time>', 'the calibration applies until (default: until a newer one)')
    .option('--note <text>', 'a note kept with the record')
    .option('--by <name>', 'who fitted it (default cli:<login>)')
    .option(
      '--influx-url <url>',
      'InfluxDB base URL; env STREETSENSE_INFLUX_URL',
      process.env.STREETSENSE_INFLUX_URL || 'http://127.0.0.1:8086',
    )
    .option(
      '--influx-db <name>',
      'InfluxDB database; env STREETSENSE_INFLUX_DB',
      process.env.STREETSENSE_INFLUX_DB || 'streetsense',
    )
    .option(
      '--influx-token <token>',
      'InfluxDB token; env STREETSENSE_INFLUX_TOKEN',
      process.env.STREETSENSE_INFLUX_TOKEN,
    )
    .action(withRegistry((registry, o) => calibrateFromCli(registry, o)))
  registrySubcommand(quality, 'calibrations', "List a sensor's calibrations with their fit statistics")
    .option('--sensor <id>', 'the sensor')
    .action(
      withRegistry((registry, o) => {
        const list = registry.listCalibrations(requireSensor(registry, o))
        if (o.json) return console.log(JSON.stringify(list, null, 2))
        for (const c of list)
          console.log(`${c.field} v${c.version}${c.applied ? '' : ' (not applied)'}: ${correctionLabel(c)}`)
      }),
    )
}

async function calibrateFromCli(registry: Registry, o: Opts): Promise<void> {
  const sensor = registry.getSensor(requireSensor(registry, o))!.entry
  const influx = createInfluxReader({
    url: String(o.influxUrl),
    db: String(o.influxDb),
    ...(o.influxToken ? { token: String(o.influxToken) } : {}),
  })
  const c = await calibrate(
    { influx, registry },
    sensor,
    {
      field: String(o.field ?? ''),
      reference: String(o.reference ?? ''),
      from: Date.parse(instant('from', o.from)),
      to: Date.parse(instant('to', o.to)),
      covariates: String(o.covariates ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      ...(o.validFrom ? { validFrom: instant('valid-from', o.validFrom) } : {}),
      ...(o.validTo ? { validTo: instant('valid-to', o.validTo) } : {}),
      ...(o.note ? { note: String(o.note) } : {}),
    },
    actor(o),
  )
  if (o.json) return console.log(JSON.stringify(c, null, 2))
  const s = c.stats as Record<string, unknown>
  console.log(`${c.field} v${c.version} of ${c.sensor}: ${JSON.stringify(c.coefficients)}`)
  console.log(
    `  R² ${s.r2}, RMSE ${s.rmse}, bias ${s.bias}, slope ${s.slope}, intercept ${s.intercept} (${s.paired_hours} hours)`,
  )
  console.log(
    c.applied
      ? '  meets the EPA targets: applied'
      : `  misses the EPA targets (${(s.missed_targets as string[]).join('; ')}): not applied`,
  )
}
