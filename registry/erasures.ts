/**
 * Erasure requests and retention runs. A request is recorded here (checked and audited) by the
 * CLI or the admin API; the ingest, which owns the InfluxDB writes, its spool and its quarantine,
 * claims it, carries it out and records what it removed. Retention deletions are audited here too.
 */
import { StreetsenseError } from '../core/index.js'
import { type ErasureRow, toErasure } from './governance-sql.js'
import type { ErasureFilter, ErasureRecord, ErasureRequest, GovernanceRegistry } from './governance-types.js'
import { type RegistryStore, writeTransaction } from './store.js'

type ErasureMethods = Pick<
  GovernanceRegistry,
  | 'requestErasure'
  | 'getErasure'
  | 'listErasures'
  | 'claimErasure'
  | 'finishErasure'
  | 'recordRetention'
  | 'changeStamp'
>

function invalid(field: string, message: string): StreetsenseError {
  return new StreetsenseError('IOT_REGISTRY_INVALID_RECORD', `${field}: ${message}`, field)
}

function checkTime(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(field, 'must be a time')
  return v
}

/** The request's range, [from, to), with `to` no later than now (data not yet received cannot be erased). */
function checkRange(req: ErasureRequest, now: number): { from: number | null; to: number } {
  const from = checkTime(req.from, 'from') ?? null
  const to = checkTime(req.to, 'to') ?? now
  if (to > now) throw invalid('to', 'is in the future: only readings already received can be erased')
  if (from !== null && from >= to) throw invalid('from', 'must be before to')
  return { from, to }
}

type Outcome = Parameters<ErasureMethods['finishErasure']>[1]

const describeRange = (e: ErasureRecord) => `${e.from ?? 'first reading'} .. ${e.to}`

type GetErasure = (id: number) => ErasureRecord | undefined

/** Records a request (checked: the sensor exists, a reason, a range already received) and audits it. */
function requestWriter(s: RegistryStore, get: GetErasure) {
  const { db, audit } = s
  const insert = db.prepare(
    `INSERT INTO erasures (sensor, borough, from_ms, to_ms, reason, requested_by, requested_at, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`,
  )
  return writeTransaction(db, (req: ErasureRequest, actor: string) => {
    const row = typeof req.sensor === 'string' ? s.q.sensor.get(req.sensor) : undefined
    if (!row) throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no sensor ${String(req.sensor)}`, 'sensor')
    if (typeof req.reason !== 'string' || !req.reason.trim()) throw invalid('reason', 'required text')
    if (req.reason.length > 500) throw invalid('reason', 'at most 500 characters')
    const { from, to } = checkRange(req, Date.now())
    const borough = (JSON.parse(row.entry) as { borough: string }).borough
    const id = Number(insert.run(req.sensor, borough, from, to, req.reason.trim(), actor, s.now()).lastInsertRowid)
    const record = get(id)!
    audit(actor, 'data.erase.request', req.sensor, `#${id}: ${describeRange(record)}; ${record.reason}`)
    return record
  })
}

/** Records what an erasure removed (done) or why it could not be carried out (failed), audited. */
function finishWriter(s: RegistryStore, get: GetErasure) {
  const { db, audit } = s
  const update = db.prepare('UPDATE erasures SET status = ?, finished_at = ?, result = ?, error = ? WHERE id = ?')
  return writeTransaction(db, (id: number, outcome: Outcome, actor: string) => {
    const before = get(id)
    if (!before) throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no erasure ${id}`, 'id')
    const r = 'result' in outcome ? outcome.result : undefined
    const error = 'error' in outcome ? outcome.error.slice(0, 2000) : null
    update.run(r ? 'done' : 'failed', s.now(), r ? JSON.stringify(r) : null, error, id)
    const detail = r
      ? `#${id}: ${describeRange(before)}: InfluxDB ${r.influx_points} points, spool ${r.spool_points} points, quarantine ${r.quarantine_records} messages, archives ${r.archive_rows} rows (${r.archive_files} files deleted)`
      : `#${id}: ${describeRange(before)}: ${error}`
    audit(actor, r ? 'data.erase.done' : 'data.erase.failed', before.sensor, detail)
    return get(id)!
  })
}

export function erasureMethods(s: RegistryStore): ErasureMethods {
  const { db, audit } = s
  const byId = db.prepare<[number], ErasureRow>('SELECT * FROM erasures WHERE id = ?')
  const get: GetErasure = (id) => {
    const row = byId.get(id)
    return row ? toErasure(row) : undefined
  }
  const stamp = db.prepare<[], { v: string }>(
    "SELECT (SELECT data_version FROM pragma_data_version) || ':' || total_changes() AS v",
  )
  const claim = db.prepare(
    `UPDATE erasures SET status = 'running', claimed_by = ?
     WHERE id = ? AND (status = 'pending' OR (status = 'running' AND claimed_by = ?))`,
  )
  const request = requestWriter(s, get)
  const finish = finishWriter(s, get)
  return {
    requestErasure: (req, actor = 'cli') => request(req, actor),
    getErasure: get,
    listErasures: (filter = {}) => listErasures(s, filter),
    claimErasure: (id, worker) => (claim.run(worker, id, worker).changes === 1 ? get(id) : undefined),
    finishErasure: (id, outcome, actor) => finish(id, outcome, actor),
    recordRetention(run, actor) {
      const detail = `${run.points} points before ${run.before} (retention ${run.retention})`
      audit(actor, 'data.retention', run.sensor, detail)
    },
    changeStamp: () => stamp.get()!.v,
  }
}

function listErasures({ db }: RegistryStore, filter: ErasureFilter): ErasureRecord[] {
  const where: string[] = []
  const args: (string | number)[] = []
  if (filter.status) {
    where.push('status = ?')
    args.push(filter.status)
  }
  if (filter.sensor) {
    where.push('sensor = ?')
    args.push(filter.sensor)
  }
  if (filter.boroughs && filter.boroughs.length > 0) {
    where.push(`borough IN (${filter.boroughs.map(() => '?').join(',')})`)
    args.push(...filter.boroughs)
  }
  const sql = `SELECT * FROM erasures ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`
  return db
    .prepare<(string | number)[], ErasureRow>(sql)
    .all(...args, Math.min(filter.limit ?? 100, 10_000))
    .map(toErasure)
}
