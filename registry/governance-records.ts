/**
 * Data-sharing agreements and DPIA records: one shape of table each (a reference, an owning
 * borough, the sensors covered, dates), added, replaced and listed the same way. Each write is
 * checked (governance-checks.ts), confined to the borough's own sensors and audited in the same
 * transaction.
 */
import type Database from 'better-sqlite3'
import { StreetsenseError } from '../core/index.js'
import { checkAgreement, checkDpia, requireSensorsOf } from './governance-checks.js'
import { type AgreementRow, type DpiaRow, toAgreement, toDpia } from './governance-sql.js'
import type { AgreementInput, DpiaInput, GovernanceRegistry } from './governance-types.js'
import { type RegistryStore, writeTransaction } from './store.js'

interface Kind<I, R, Row> {
  table: string
  /** Audit action prefix and the noun in messages. */
  noun: 'agreement' | 'dpia'
  columns: readonly (keyof I & string)[]
  check(input: unknown): I
  toRecord(row: Row): R
  /** One line for the audit trail. */
  describe(input: I): string
}

type Owned = { reference: string; borough: string; sensors?: string[] }

const AGREEMENTS: Kind<AgreementInput, ReturnType<typeof toAgreement>, AgreementRow> = {
  table: 'sharing_agreements',
  noun: 'agreement',
  columns: ['reference', 'borough', 'partners', 'purpose', 'sensors', 'starts', 'review', 'ends'],
  check: checkAgreement,
  toRecord: toAgreement,
  describe: (a) =>
    `${a.reference}: ${a.borough} -> ${a.partners.join(',')}; ${a.sensors ? `${a.sensors.length} sensors` : 'every shared sensor'}; ${a.starts}..${a.ends ?? ''}; review ${a.review}`,
}

const DPIAS: Kind<DpiaInput, ReturnType<typeof toDpia>, DpiaRow> = {
  table: 'dpia_records',
  noun: 'dpia',
  columns: ['reference', 'borough', 'title', 'purpose', 'url', 'sensors', 'approved', 'review'],
  check: checkDpia,
  toRecord: toDpia,
  describe: (d) => `${d.reference}: ${d.sensors.length} sensors; approved ${d.approved}; review ${d.review}`,
}

const cell = (v: unknown) => (v === undefined ? null : Array.isArray(v) ? JSON.stringify(v) : v)

function recordMethods<I extends Owned, R, Row>(s: RegistryStore, kind: Kind<I, R, Row>) {
  const { db, now, audit } = s
  const cols = kind.columns
  const insert = db.prepare(
    `INSERT INTO ${kind.table} (${cols.join(', ')}, created_at, updated_at) VALUES (${cols.map(() => '?').join(', ')}, ?, ?)`,
  )
  const update = db.prepare(
    `UPDATE ${kind.table} SET ${cols.map((c) => `${c} = ?`).join(', ')}, updated_at = ? WHERE reference = ?`,
  )
  const byRef = db.prepare<[string], Row>(`SELECT * FROM ${kind.table} WHERE reference = ?`)
  const get = (reference: string) => {
    const row = byRef.get(reference)
    return row ? kind.toRecord(row) : undefined
  }
  const sensorBorough = (id: string) => {
    const row = s.q.sensor.get(id)
    return row ? (JSON.parse(row.entry) as { borough: string }).borough : undefined
  }
  const write = writeTransaction(db, (input: I, actor: string, creating: boolean) => {
    const before = byRef.get(input.reference) as (Row & { borough: string }) | undefined
    if (creating && before) {
      throw new StreetsenseError('IOT_REGISTRY_DUPLICATE', `${kind.noun} ${input.reference} exists`, 'reference')
    }
    if (!creating && !before) {
      throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no ${kind.noun} ${input.reference}`, 'reference')
    }
    if (before && before.borough !== input.borough) {
      throw new StreetsenseError(
        'IOT_REGISTRY_INVALID_RECORD',
        `borough: ${kind.noun} ${input.reference} belongs to ${before.borough}`,
        'borough',
      )
    }
    requireSensorsOf(input.borough, input.sensors, sensorBorough)
    const values = cols.map((c) => cell(input[c]))
    const t = now()
    if (creating) insert.run(...values, t, t)
    else update.run(...values, t, input.reference)
    audit(actor, `${kind.noun}.${creating ? 'add' : 'update'}`, undefined, kind.describe(input))
    return get(input.reference)!
  })
  return {
    add: (input: unknown, actor = 'cli') => write(kind.check(input), actor, true),
    update: (input: unknown, actor = 'cli') => write(kind.check(input), actor, false),
    get,
    list: (filter: { borough?: string; sensor?: string } = {}) => listRecords(db, kind, filter),
  }
}

function listRecords<I, R, Row>(
  db: Database.Database,
  kind: Kind<I, R, Row>,
  { borough, sensor }: { borough?: string; sensor?: string },
): R[] {
  const where: string[] = []
  const args: string[] = []
  if (borough !== undefined) {
    where.push('borough = ?')
    args.push(borough)
  }
  if (sensor !== undefined) {
    // An agreement without a list covers every shared sensor of its borough.
    where.push(
      '((sensors IS NULL AND borough = (SELECT borough FROM sensors s WHERE s.id = ?)) OR EXISTS (SELECT 1 FROM json_each(sensors) WHERE value = ?))',
    )
    args.push(sensor, sensor)
  }
  const sql = `SELECT * FROM ${kind.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY borough, reference`
  return db
    .prepare<string[], Row>(sql)
    .all(...args)
    .map(kind.toRecord)
}

type RecordMethods = Pick<
  GovernanceRegistry,
  | 'addAgreement'
  | 'updateAgreement'
  | 'getAgreement'
  | 'listAgreements'
  | 'addDpia'
  | 'updateDpia'
  | 'getDpia'
  | 'listDpias'
>

export function governanceRecordMethods(s: RegistryStore): RecordMethods {
  const agreements = recordMethods(s, AGREEMENTS)
  const dpias = recordMethods(s, DPIAS)
  return {
    addAgreement: agreements.add,
    updateAgreement: agreements.update,
    getAgreement: agreements.get,
    listAgreements: (filter) => agreements.list(filter),
    addDpia: dpias.add,
    updateDpia: dpias.update,
    getDpia: dpias.get,
    listDpias: dpias.list,
  }
}
