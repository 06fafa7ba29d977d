/**
 * `streetsense data ...`: erasing a sensor's readings and enforcing retention.
 * - `erase`: records an erasure request (checked, audited) and waits for the ingest, which owns
 *   InfluxDB's writes, its spool and quarantine, to carry it out; prints what was removed.
 * - `erasures`: the requests and what each removed.
 * - `retention`: deletes readings past their sensor's retention now (the ingest does it every
 *   retentionIntervalMs), or with --dry-run counts what would go.
 */
import type { Command } from 'commander'
import { addSettingOptions, loadSettings, type SettingsSchema } from '../../../core/index.js'
import { enforceRetention, IngestSettingsSchema } from '../../../ingest/index.js'
import type { ErasureRecord, ErasureStatus, Registry } from '../../../registry/index.js'
import { type Opts, registrySubcommand, withRegistry } from '../sensors/registry-action.js'
import { cliActor, timeOption } from './cli-actor.js'

const P = IngestSettingsSchema.properties
/** What `data retention` needs of the ingest's settings: the registry, the boroughs and InfluxDB. */
export const RetentionSettingsSchema = {
  $id: 'streetsense:settings:retention',
  type: 'object',
  additionalProperties: false,
  properties: {
    dataDir: P.dataDir,
    boroughs: P.boroughs,
    influxUrl: P.influxUrl,
    influxDb: P.influxDb,
    influxRp: P.influxRp,
    influxOrg: P.influxOrg,
    influxBucket: P.influxBucket,
    influxToken: P.influxToken,
  },
} as const satisfies SettingsSchema

async function waitForIngest(registry: Registry, id: number, seconds: number): Promise<ErasureRecord> {
  const deadline = Date.now() + seconds * 1000
  for (;;) {
    const e = registry.getErasure(id)!
    if (e.status === 'done' || e.status === 'failed' || Date.now() >= deadline) return e
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

function printErasure(e: ErasureRecord, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(e))
    return
  }
  console.log(`erasure #${e.id} of ${e.sensor} (${e.from ?? 'first reading'} .. ${e.to}): ${e.status}`)
  if (e.result) {
    const r = e.result
    console.log(
      `  InfluxDB ${r.influx_points} points; spool ${r.spool_points} points; quarantine ${r.quarantine_records} messages; archives ${r.archive_rows} rows, ${r.archive_files} files deleted`,
    )
  }
  if (e.error) console.log(`  error: ${e.error}`)
  if (e.status === 'pending' || e.status === 'running') {
    console.log(`  the ingest has not finished it yet: see \`streetsense data erasures --sensor ${e.sensor}\``)
  }
}

function registerErase(data: Command): void {
  registrySubcommand(
    data,
    'erase',
    "Erase a sensor's readings (all, or a time range) everywhere the platform keeps them",
  )
    .requiredOption('--sensor <id>', 'the sensor')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .option('--from <time>', 'start of the range, RFC 3339 or YYYY-MM-DD (default: the first reading)')
    .option('--to <time>', 'end of the range, exclusive (default: now)')
    .option('--wait-seconds <n>', 'how long to wait for the ingest to carry it out', '120')
    .action(
      withRegistry(async (registry, o) => {
        const request = {
          sensor: String(o.sensor),
          reason: String(o.reason),
          from: timeOption(o.from, 'from'),
          to: timeOption(o.to, 'to'),
        }
        const recorded = registry.requestErasure(request, cliActor())
        const e = await waitForIngest(registry, recorded.id, Number(o.waitSeconds) || 0)
        printErasure(e, o.json)
        // 1: the ingest could not do it; 2: not done yet (it still will be).
        process.exitCode = e.status === 'done' ? 0 : e.status === 'failed' ? 1 : 2
      }),
    )
}

function registerErasures(data: Command): void {
  registrySubcommand(data, 'erasures', 'List erasure requests and what each removed, newest first')
    .option('--sensor <id>', 'only this sensor')
    .option('--status <status>', 'only pending, running, done or failed')
    .option('--limit <n>', 'at most n', '50')
    .action(
      withRegistry((registry, o: Opts) => {
        const list = registry.listErasures({
          sensor: o.sensor as string | undefined,
          status: o.status as ErasureStatus | undefined,
          limit: Number(o.limit) || 50,
        })
        if (o.json) return console.log(JSON.stringify(list))
        for (const e of list) printErasure(e, false)
        console.log(`${list.length} erasure(s)`)
      }),
    )
}

function registerRetention(data: Command): void {
  const command = data
    .command('retention')
    .description("Delete readings older than their sensor's register retention now (audited)")
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .option('--json', 'machine-readable output')
  addSettingOptions(command, RetentionSettingsSchema).action(
    withRegistry(async (registry, o) => {
      const settings = loadSettings<Record<string, unknown>>(RetentionSettingsSchema, o)
      const runs = await enforceRetention({
        registry,
        target: settings as never,
        boroughs: (settings.boroughs as string[]) ?? [],
        actor: cliActor(),
        dryRun: Boolean(o.dryRun),
      })
      if (o.json) return console.log(JSON.stringify({ dry_run: Boolean(o.dryRun), runs }))
      for (const r of runs) console.log(`${r.sensor}\t${r.points} points before ${r.before} (retention ${r.retention})`)
      console.log(`${runs.length} sensor(s) ${o.dryRun ? 'have readings past their retention' : 'cleaned'}`)
    }),
  )
}

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description("Erase a sensor's readings; enforce retention")
  registerErase(data)
  registerErasures(data)
  registerRetention(data)
}
