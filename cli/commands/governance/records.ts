/**
 * `streetsense agreements ...` and `streetsense dpias ...`: data-sharing agreements and DPIA
 * records in the registry, added and changed from flags (the registry checks every field and
 * audits the change), listed with their review state.
 */
import type { Command } from 'commander'
import { StreetsenseError } from '../../../core/index.js'
import { type Registry, reviewState, utcDay } from '../../../registry/index.js'
import { boroughOption, boroughsOption } from '../../borough-option.js'
import { type Opts, registrySubcommand, withRegistry } from '../sensors/registry-action.js'
import { cliActor, listOption } from './cli-actor.js'

/** A flag's value as the record field: borough codes or names as codes, lists split, else as given. */
function fieldValue(name: string, v: unknown, lists: readonly string[]): unknown {
  if (name === 'borough') return boroughOption(v)
  if (name === 'partners') return boroughsOption(v, 'partners')
  return lists.includes(name) ? listOption(v) : v
}

/** The record's fields from flags, over an existing record when updating ('none' clears an optional one). */
function fieldsFrom(o: Opts, names: readonly string[], lists: readonly string[], base: Record<string, unknown> = {}) {
  const out: Record<string, unknown> = { ...base }
  delete out.created
  delete out.updated
  for (const name of names) {
    const v = o[name]
    if (v === undefined) continue
    if (v === 'none' || v === 'all') delete out[name]
    else out[name] = fieldValue(name, v, lists)
  }
  return out
}

interface Kind {
  noun: 'agreements' | 'dpias'
  what: string
  fields: readonly string[]
  lists: readonly string[]
  flags: [string, string][]
  add(r: Registry, input: unknown, actor: string): unknown
  update(r: Registry, input: unknown, actor: string): unknown
  get(r: Registry, reference: string): Record<string, unknown> | undefined
  list(r: Registry, o: Opts): { reference: string; borough: string; review: string; ends?: string }[]
  line(record: Record<string, unknown>): string
}

const AGREEMENTS: Kind = {
  noun: 'agreements',
  what: 'data-sharing agreement',
  fields: ['reference', 'borough', 'partners', 'purpose', 'sensors', 'starts', 'review', 'ends'],
  lists: ['partners', 'sensors'],
  flags: [
    ['--borough <borough>', 'the borough whose sensors it shares (code or name)'],
    ['--partners <boroughs>', 'comma-separated boroughs (codes or names) whose accounts may read the data'],
    ['--purpose <text>', 'why the data is shared, in plain English'],
    ['--sensors <ids>', "comma-separated sensors it covers ('all': every shared sensor of the borough)"],
    ['--starts <date>', 'first day in force, YYYY-MM-DD'],
    ['--review <date>', 'when it must next be reviewed, YYYY-MM-DD'],
    ['--ends <date>', "last day in force, YYYY-MM-DD ('none': until ended)"],
  ],
  add: (r, input, actor) => r.addAgreement(input, actor),
  update: (r, input, actor) => r.updateAgreement(input, actor),
  get: (r, ref) => r.getAgreement(ref) as Record<string, unknown> | undefined,
  list: (r, o) => r.listAgreements({ borough: boroughOption(o.borough), sensor: o.sensor as string | undefined }),
  line: (a) =>
    `${a.borough} -> ${(a.partners as string[]).join(',')}; ${a.sensors ? (a.sensors as string[]).join(',') : 'every shared sensor'}; ${a.starts}..${a.ends ?? ''}`,
}

const DPIAS: Kind = {
  noun: 'dpias',
  what: 'DPIA record',
  fields: ['reference', 'borough', 'title', 'purpose', 'url', 'sensors', 'approved', 'review'],
  lists: ['sensors'],
  flags: [
    ['--borough <borough>', 'the borough of the sensors it covers (code or name)'],
    ['--title <text>', 'its title'],
    ['--purpose <text>', 'the processing it assesses, in plain English'],
    ['--url <url>', 'where the published DPIA is'],
    ['--sensors <ids>', 'comma-separated sensors it covers (one sensor, or every sensor of one purpose)'],
    ['--approved <date>', 'when it was approved, YYYY-MM-DD'],
    ['--review <date>', 'when it must next be reviewed, YYYY-MM-DD'],
  ],
  add: (r, input, actor) => r.addDpia(input, actor),
  update: (r, input, actor) => r.updateDpia(input, actor),
  get: (r, ref) => r.getDpia(ref) as Record<string, unknown> | undefined,
  list: (r, o) => r.listDpias({ borough: boroughOption(o.borough), sensor: o.sensor as string | undefined }),
  line: (d) => `${d.title} <${d.url}>; ${(d.sensors as string[]).join(',')}`,
}

function registerKind(program: Command, kind: Kind): void {
  const group = program.command(kind.noun).description(`Keep ${kind.what}s in the registry (audited)`)
  const add = registrySubcommand(group, 'add', `Record a ${kind.what}`).requiredOption(
    '--reference <ref>',
    'its reference',
  )
  for (const [flag, help] of kind.flags) add.option(flag, help)
  add.action(
    withRegistry((registry, o) => {
      const record = kind.add(registry, fieldsFrom(o, kind.fields, kind.lists), cliActor())
      console.log(o.json ? JSON.stringify(record) : `recorded ${kind.what} ${String(o.reference)}`)
    }),
  )
  const update = registrySubcommand(group, 'update', `Change a ${kind.what}: only the flags given`).argument(
    '<reference>',
  )
  for (const [flag, help] of kind.flags) update.option(flag, help)
  update.action(
    withRegistry((registry, o, [reference]) => {
      const before = kind.get(registry, reference!)
      if (!before) throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no ${kind.what} ${reference}`, 'reference')
      const record = kind.update(registry, fieldsFrom(o, kind.fields, kind.lists, before), cliActor())
      console.log(o.json ? JSON.stringify(record) : `updated ${kind.what} ${reference}`)
    }),
  )
  registrySubcommand(group, 'list', `List ${kind.what}s with their review dates`)
    .option('--borough <borough>', 'only this borough (code or name)')
    .option('--sensor <id>', 'only those covering this sensor')
    .option('--overdue', 'only those whose review date has passed')
    .action(withRegistry((registry, o) => listRecords(registry, o, kind)))
}

function listRecords(registry: Registry, o: Opts, kind: Kind): void {
  const now = Date.now()
  const today = utcDay(now)
  const records = kind
    .list(registry, o)
    .map((r) => ({ ...r, review_overdue: reviewState(r.review, now).overdue && !(r.ends && r.ends < today) }))
    .filter((r) => !o.overdue || r.review_overdue)
  if (o.json) {
    console.log(JSON.stringify(records))
    return
  }
  for (const r of records) {
    const review = r.review_overdue ? `REVIEW OVERDUE since ${r.review}` : `review due ${r.review}`
    console.log(`${r.reference}\t${review}\t${kind.line(r)}`)
  }
  console.log(`${records.length} ${kind.what}(s)${o.overdue ? ' overdue for review' : ''}`)
}

export function registerGovernanceRecordCommands(program: Command): void {
  registerKind(program, AGREEMENTS)
  registerKind(program, DPIAS)
}
