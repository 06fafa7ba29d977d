/**
 * The commands table: every command to a device, written by whoever issues it (the admin API, the
 * ingest's gap repair, or the broker for a command published straight over MQTT), sent by the
 * ingest, and answered by the device (results recorded by the ingest). Each new command is
 * audited in the same transaction that writes it.
 */
import type Database from 'better-sqlite3'
import { StreetsenseError } from '../core/index.js'
import { type CommandResult, validateCommand } from '../schemas/index.js'
import { commandSummary, deviceCommandOf, sameArgs } from './command-shape.js'
import type { CommandFilter, CommandLog, CommandRecord, NewCommand, RelayOutcome } from './command-types.js'
import { type RegistryDb, writeTransaction } from './store.js'

interface CommandRow {
  id: string
  sensor: string
  borough: string
  command: string
  args: string
  issued_by: string
  issued_at: string
  expires_at: string
  state: string
  sent_at: string | null
  result_status: string | null
  result_reason: string | null
  result_code: string | null
  result_detail: string | null
  result_time: string | null
  updated_at: string
}

function toRecord(r: CommandRow): CommandRecord {
  return {
    id: r.id,
    sensor: r.sensor,
    borough: r.borough,
    command: r.command as CommandRecord['command'],
    args: JSON.parse(r.args) as CommandRecord['args'],
    by: r.issued_by,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
    state: r.state as CommandRecord['state'],
    ...(r.sent_at ? { sentAt: r.sent_at } : {}),
    ...(r.result_status ? { result: toOutcome(r) } : {}),
    updatedAt: r.updated_at,
  }
}

function toOutcome(r: CommandRow): NonNullable<CommandRecord['result']> {
  return {
    status: r.result_status as CommandResult['status'],
    ...(r.result_reason ? { reason: r.result_reason } : {}),
    ...(r.result_code ? { code: r.result_code } : {}),
    ...(r.result_detail ? { detail: JSON.parse(r.result_detail) as CommandResult['detail'] } : {}),
    time: r.result_time ?? r.updated_at,
  }
}

function prepare(db: Database.Database) {
  return {
    get: db.prepare<[string], CommandRow>('SELECT * FROM commands WHERE id = ?'),
    insert: db.prepare(
      `INSERT INTO commands (id, sensor, borough, command, args, issued_by, issued_at, expires_at, state, sent_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    markSent: db.prepare(
      "UPDATE commands SET state = 'sent', sent_at = ?, updated_at = ? WHERE id = ? AND state = 'queued'",
    ),
    cancel: db.prepare("UPDATE commands SET state = 'cancelled', updated_at = ? WHERE id = ? AND state = 'queued'"),
    expire: db.prepare(
      "UPDATE commands SET state = 'expired', updated_at = ? WHERE state = 'queued' AND expires_at < ?",
    ),
    // A late or redelivered `accepted` never replaces a final answer; the device evidently has
    // the command, so a row still marked queued (PUBACK not yet seen) counts as sent.
    result: db.prepare(
      `UPDATE commands SET result_status = ?, result_reason = ?, result_code = ?, result_detail = ?, result_time = ?,
         state = CASE WHEN state = 'queued' THEN 'sent' ELSE state END, sent_at = coalesce(sent_at, ?), updated_at = ?
       WHERE id = ? AND sensor = ? AND NOT (? = 'accepted' AND coalesce(result_status, '') IN ('done', 'refused'))`,
    ),
    prune: db.prepare("DELETE FROM commands WHERE issued_at < ? AND state != 'queued'"),
  }
}

type Statements = ReturnType<typeof prepare>

function insertCommand(r: RegistryDb, q: Statements, c: NewCommand, state: 'queued' | 'sent'): void {
  const t = r.now()
  const sentAt = state === 'sent' ? t : null
  q.insert.run(
    c.id,
    c.sensor,
    c.borough,
    c.command,
    JSON.stringify(c.args),
    c.by,
    c.issuedAt,
    c.expiresAt,
    state,
    sentAt,
    t,
  )
}

/** Issue: a new command from the admin API or the CLI, queued for the ingest to send. */
function issueCommand(r: RegistryDb, q: Statements) {
  return writeTransaction(r.db, (c: NewCommand, actor: string) => {
    checkIssued(c)
    if (q.get.get(c.id)) throw new StreetsenseError('IOT_REGISTRY_DUPLICATE', `command ${c.id} already exists`, 'id')
    insertCommand(r, q, c, 'queued')
    r.audit(actor, 'command.issue', c.sensor, commandSummary(c))
  })
}

/** Relay: a command seen on the broker; recorded if new, refused if its id names another command. */
function relayCommand(r: RegistryDb, q: Statements) {
  return writeTransaction(r.db, (c: NewCommand, actor: string): RelayOutcome => {
    const known = q.get.get(c.id)
    const differs =
      known && (known.sensor !== c.sensor || known.command !== c.command || !sameArgs(JSON.parse(known.args), c.args))
    if (differs) return 'conflict'
    if (!known) {
      insertCommand(r, q, c, 'sent')
      r.audit(actor, 'command.issue', c.sensor, commandSummary(c))
    }
    r.audit(actor, 'command.publish', c.sensor, commandSummary(c))
    return known ? 'known' : 'new'
  })
}

/** Records a device's answer against the command it names (only that sensor's command). */
function recordResult(r: RegistryDb, q: Statements, sensor: string, res: CommandResult): boolean {
  const t = r.now()
  const detail = res.detail ? JSON.stringify(res.detail) : null
  const args = [res.status, res.reason ?? null, res.code ?? null, detail, res.time, t, t, res.id, sensor, res.status]
  return q.result.run(...args).changes === 1
}

export function openCommandLog(r: RegistryDb): CommandLog {
  const q = prepare(r.db)
  const issue = issueCommand(r, q)
  const relay = relayCommand(r, q)
  return {
    issue(c, actor = c.by) {
      issue(c, actor)
      return toRecord(q.get.get(c.id)!)
    },
    relay: (c, actor) => relay(c, actor),
    get: (id) => {
      const row = q.get.get(id)
      return row ? toRecord(row) : undefined
    },
    list: (filter = {}) => listCommands(r.db, filter),
    queued: (boroughs, limit) => listCommands(r.db, { state: 'queued', boroughs, limit }, 'ASC'),
    markSent: (id) => {
      const t = r.now()
      return q.markSent.run(t, t, id).changes === 1
    },
    expireQueued: (now = r.now()) => q.expire.run(r.now(), now).changes,
    cancel: (id) => q.cancel.run(r.now(), id).changes === 1,
    recordResult: (sensor, res) => recordResult(r, q, sensor, res),
    prune: (before) => q.prune.run(before).changes,
  }
}

const ENVELOPE_FIELDS = new Set(['command', 'id', 'issued_at', 'expires_at', 'by'])

/** An issued command must be one a device can run; the field is named as the issuer wrote it. */
function checkIssued(c: NewCommand): void {
  const wire = validateCommand(deviceCommandOf(c))
  const refuse = (field: string, message: string) => {
    throw new StreetsenseError('IOT_REGISTRY_INVALID_ENTRY', `${field}: ${message}`, field)
  }
  if (!wire.ok) {
    const first = wire.errors[0]!
    const name = first.path.split('/')[1] ?? ''
    refuse(ENVELOPE_FIELDS.has(name) ? name : name ? `args.${name}` : 'args', first.message)
  }
  if (c.command === 'resend' && Number(c.args.from) > Number(c.args.to)) {
    refuse('args.from', 'must not be greater than args.to')
  }
}

function listCommands(db: Database.Database, filter: CommandFilter, order: 'ASC' | 'DESC' = 'DESC'): CommandRecord[] {
  const where: string[] = []
  const args: (string | number)[] = []
  if (filter.sensor !== undefined) {
    where.push('sensor = ?')
    args.push(filter.sensor)
  }
  if (filter.state !== undefined) {
    where.push('state = ?')
    args.push(filter.state)
  }
  if (filter.boroughs && filter.boroughs.length > 0) {
    where.push(`borough IN (${filter.boroughs.map(() => '?').join(', ')})`)
    args.push(...filter.boroughs)
  }
  const sql = `SELECT * FROM commands ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY rowid ${order} LIMIT ?`
  return db
    .prepare<(string | number)[], CommandRow>(sql)
    .all(...args, filter.limit ?? 100)
    .map(toRecord)
}
