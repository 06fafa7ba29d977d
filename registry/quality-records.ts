/**
 * Ratifications and calibrations of sensors' data (docs/data-quality.md). Both are versioned and
 * never changed (the tables refuse UPDATE): a correction is a new version, and every new version
 * is audited in the same transaction.
 */
import { StreetsenseError } from '../core/index.js'
import { VALUE_FIELDS } from '../schemas/index.js'
import { type RegistryStore, writeTransaction } from './store.js'
import type {
  Calibration,
  CalibrationInput,
  Ratification,
  RatificationDecision,
  RatificationInput,
  Registry,
} from './types.js'

type QualityMethods = Pick<Registry, 'addRatification' | 'listRatifications' | 'addCalibration' | 'listCalibrations'>

interface RatificationRow {
  id: number
  sensor: string
  version: number
  period_from: string
  period_to: string
  decisions: string
  note: string | null
  by: string
  at: string
}
interface CalibrationRow {
  id: number
  version: number
  record: string
  fitted_by: string
  fitted_at: string
}

export function qualityMethods(s: RegistryStore): QualityMethods {
  const addRatification = writeTransaction(s.db, (input: RatificationInput, actor: string) =>
    insertRatification(s, input, actor),
  )
  const addCalibration = writeTransaction(s.db, (input: CalibrationInput, actor: string) =>
    insertCalibration(s, input, actor),
  )
  const ratifications = s.db.prepare<[string], RatificationRow>(
    'SELECT * FROM ratifications WHERE sensor = ? ORDER BY version',
  )
  const calibrations = s.db.prepare<[string], CalibrationRow>(
    'SELECT id, version, record, fitted_by, fitted_at FROM calibrations WHERE sensor = ? ORDER BY id',
  )
  return {
    addRatification: (input, actor = 'cli') => addRatification(input, actor),
    listRatifications: (sensor) => ratifications.all(sensor).map(toRatification),
    addCalibration: (input, actor = 'cli') => addCalibration(input, actor),
    listCalibrations: (sensor) => calibrations.all(sensor).map(toCalibration),
  }
}

const invalid = (field: string, message: string) =>
  new StreetsenseError('IOT_REGISTRY_INVALID_RECORD', `${field}: ${message}`, field)

/** A UTC instant in RFC 3339 (as the API and the CLI take it), normalised to toISOString. */
function instant(field: string, value: unknown): string {
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(ms)) throw invalid(field, 'must be a UTC time (2026-05-01T00:00:00Z) or a date (2026-05-01)')
  return new Date(ms).toISOString()
}

function period(where: string, from: unknown, to: unknown): [string, string] {
  const f = instant(`${where}from`, from)
  const t = instant(`${where}to`, to)
  if (f >= t) throw invalid(`${where}from`, 'must be before to')
  return [f, t]
}

function sensorKind(s: RegistryStore, sensor: string): 'air' | 'traffic' {
  const row = s.q.sensor.get(sensor)
  if (!row) throw new StreetsenseError('IOT_REGISTRY_NOT_FOUND', `no sensor ${sensor}`, 'sensor')
  return (JSON.parse(row.entry) as { kind: 'air' | 'traffic' }).kind
}

function checkText(field: string, value: unknown, max: number): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string' || value.length > max) throw invalid(field, `must be text of at most ${max} characters`)
  return value
}

function checkDecisions(value: unknown, kind: 'air' | 'traffic', within: [string, string]): RatificationDecision[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.length > 200) throw invalid('decisions', 'must be a list of at most 200')
  const fields = ['*', ...VALUE_FIELDS[kind]]
  return value.map((d: Partial<RatificationDecision>, i) => {
    const at = `decisions.${i}.`
    if (d?.action !== 'exclude' && d?.action !== 'accept')
      throw invalid(`${at}action`, 'must be one of exclude, accept')
    const bad = Array.isArray(d.fields) && d.fields.length > 0 ? d.fields.find((f) => !fields.includes(f)) : ''
    if (bad !== undefined) throw invalid(`${at}fields`, `must be a non-empty list of ${fields.join(', ')}`)
    const [from, to] = period(at, d.from, d.to)
    if (from < within[0] || to > within[1]) throw invalid(`${at}from`, 'must lie within the ratified period')
    const reason = checkText(`${at}reason`, d.reason, 500)
    if (!reason) throw invalid(`${at}reason`, 'is required: say why')
    return { action: d.action, fields: [...new Set(d.fields as string[])], from, to, reason }
  })
}

function insertRatification(s: RegistryStore, input: RatificationInput, actor: string): Ratification {
  const kind = sensorKind(s, input.sensor)
  const [from, to] = period('', input.from, input.to)
  const decisions = checkDecisions(input.decisions, kind, [from, to])
  const note = checkText('note', input.note, 2000)
  const { v } = s.db
    .prepare('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM ratifications WHERE sensor = ?')
    .get(input.sensor) as { v: number }
  const at = s.now()
  const id = s.db
    .prepare(
      'INSERT INTO ratifications (sensor, version, period_from, period_to, decisions, note, by, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(input.sensor, v, from, to, JSON.stringify(decisions), note ?? null, actor, at).lastInsertRowid
  s.audit(actor, 'ratification.add', input.sensor, `v${v} ${from}..${to}, ${decisions.length} decision(s)`)
  return {
    id: Number(id),
    sensor: input.sensor,
    version: v,
    from,
    to,
    decisions,
    ...(note ? { note } : {}),
    by: actor,
    at,
  }
}

function insertCalibration(s: RegistryStore, input: CalibrationInput, actor: string): Calibration {
  const kind = sensorKind(s, input.sensor)
  if (!VALUE_FIELDS[kind].includes(input.field))
    throw invalid('field', `must be one of ${VALUE_FIELDS[kind].join(', ')}`)
  sensorKind(s, input.reference)
  const validFrom = instant('validFrom', input.validFrom)
  const validTo = input.validTo === undefined ? undefined : instant('validTo', input.validTo)
  if (validTo !== undefined && validTo <= validFrom) throw invalid('validFrom', 'must be before validTo')
  const record: CalibrationInput = { ...input, validFrom, ...(validTo ? { validTo } : {}) }
  const { v } = s.db
    .prepare('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM calibrations WHERE sensor = ? AND field = ?')
    .get(input.sensor, input.field) as { v: number }
  const at = s.now()
  const id = s.db
    .prepare(
      'INSERT INTO calibrations (sensor, field, version, record, applied, valid_from, valid_to, fitted_by, fitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      input.sensor,
      input.field,
      v,
      JSON.stringify(record),
      input.applied ? 1 : 0,
      validFrom,
      validTo ?? null,
      actor,
      at,
    ).lastInsertRowid
  s.audit(
    actor,
    'calibration.add',
    input.sensor,
    `${input.field} v${v} ${input.method}${input.applied ? '' : ' (not applied)'}`,
  )
  return { ...record, id: Number(id), version: v, fittedBy: actor, fittedAt: at }
}

const toRatification = (r: RatificationRow): Ratification => ({
  id: r.id,
  sensor: r.sensor,
  version: r.version,
  from: r.period_from,
  to: r.period_to,
  decisions: JSON.parse(r.decisions) as RatificationDecision[],
  ...(r.note ? { note: r.note } : {}),
  by: r.by,
  at: r.at,
})

const toCalibration = (r: CalibrationRow): Calibration => ({
  ...(JSON.parse(r.record) as CalibrationInput),
  id: r.id,
  version: r.version,
  fittedBy: r.fitted_by,
  fittedAt: r.fitted_at,
})
