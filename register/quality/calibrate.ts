/**
 * Calibrating a sensor against a co-located reference instrument (docs/data-quality.md): the
 * hourly means of both over the co-location period (values that passed QC, hours with at least
 * 45 minutes of readings), paired by hour; a least-squares fit of the reference on the sensor's
 * value and covariates; the corrected series' statistics against the EPA targets; and a new,
 * audited calibration record. It is applied to the public corrected series only when it meets the
 * targets. Shared by the admin API and `streetsense quality calibrate`.
 */
import { StreetsenseError } from '../../core/index.js'
import type { Calibration, Registry } from '../../registry/index.js'
import type { RegisterEntry } from '../../schemas/index.js'
import { VALID_HOUR_COVERAGE } from '../daqi.js'
import type { InfluxReader } from '../influx-read.js'
import { badParam } from '../params.js'
import { type AggregateRow, aggregateRows } from './aggregates.js'
import { agreement, EPA_TARGETS, leastSquares, missedTargets, type Pair } from './calibration-fit.js'
import { type QualityRegistry, sensorQuality } from './sensor-quality.js'

export const COVARIATES = ['relative_humidity', 'temperature'] as const
/** A reference further away than this does not breathe the same air. */
export const MAX_COLOCATION_METRES = 100
/** Fewer paired hours than this cannot be fitted; EPA base testing uses 30 days. */
export const MIN_PAIRED_HOURS = 48
const HOUR = 3_600_000

export interface CalibrateRequest {
  field: string
  reference: string
  from: number
  to: number
  covariates: string[]
  validFrom?: string
  validTo?: string
  note?: string
}

type CalibrationRegistry = QualityRegistry & Pick<Registry, 'addCalibration'>

export async function calibrate(
  deps: { influx: InfluxReader; registry: CalibrationRegistry },
  sensor: RegisterEntry,
  req: CalibrateRequest,
  actor: string,
): Promise<Calibration> {
  const reference = checkRequest(deps.registry, sensor, req)
  const pairs = await colocatedPairs(deps, sensor, reference, req)
  if (pairs.length < MIN_PAIRED_HOURS) {
    throw new StreetsenseError(
      'IOT_REGISTER_CALIBRATION_DATA',
      `${pairs.length} co-located hours with valid data from both sensors; at least ${MIN_PAIRED_HOURS} are needed (30 days is better)`,
    )
  }
  const coefficients = leastSquares(pairs, [req.field, ...req.covariates])
  if (!coefficients) {
    throw new StreetsenseError(
      'IOT_REGISTER_CALIBRATION_DATA',
      'the co-located data cannot be fitted (a covariate does not vary)',
    )
  }
  const stats = fitStats(pairs, req, coefficients)
  return deps.registry.addCalibration(
    {
      sensor: sensor.id,
      field: req.field,
      method: req.covariates.length > 0 ? 'mlr' : 'linear',
      coefficients,
      covariates: req.covariates,
      reference: reference.id,
      colocationFrom: new Date(req.from).toISOString(),
      colocationTo: new Date(req.to).toISOString(),
      averaging: '1h',
      stats,
      applied: stats.meets_targets,
      validFrom: req.validFrom ?? new Date(req.from).toISOString(),
      ...(req.validTo ? { validTo: req.validTo } : {}),
      ...(req.note ? { note: req.note } : {}),
    },
    actor,
  )
}

function fitStats(pairs: Pair[], req: CalibrateRequest, coefficients: Record<string, number>) {
  const reference = pairs.map((p) => p.reference)
  const corrected = pairs.map(
    (p) =>
      coefficients.intercept! + [req.field, ...req.covariates].reduce((y, n) => y + coefficients[n]! * p.inputs[n]!, 0),
  )
  const fit = agreement(corrected, reference)
  const raw = agreement(
    pairs.map((p) => p.inputs[req.field]!),
    reference,
  )
  const targets = EPA_TARGETS[req.field]!
  const missed = missedTargets(fit, targets)
  const days = (pairs[pairs.length - 1]!.time - pairs[0]!.time) / 86_400_000
  return {
    ...fit,
    raw,
    targets,
    meets_targets: missed.length === 0,
    missed_targets: missed,
    paired_hours: pairs.length,
    ...(days < 30 ? { caution: 'co-located for less than 30 days: EPA base testing uses 30' } : {}),
  }
}

function checkRequest(registry: QualityRegistry, sensor: RegisterEntry, req: CalibrateRequest): RegisterEntry {
  const fields = Object.keys(EPA_TARGETS)
  if (!fields.includes(req.field)) throw badParam('field', `must be one of ${fields.join(', ')}`)
  if (!sensor.measures.includes(req.field as never))
    throw badParam('field', `sensor ${sensor.id} does not measure ${req.field}`)
  const bad = req.covariates.find(
    (c) => !(COVARIATES as readonly string[]).includes(c) || !sensor.measures.includes(c as never),
  )
  if (bad !== undefined)
    throw badParam('covariates', `must be measured by the sensor and one of ${COVARIATES.join(', ')}`)
  if (req.from >= req.to) throw badParam('from', 'must be before to')
  if (req.to - req.from > 366 * 86_400_000) throw badParam('to', 'a co-location period is at most 366 days')
  const reference = registry.getSensor(req.reference)?.entry
  if (!reference || reference.id === sensor.id)
    throw badParam('reference', `no other sensor ${req.reference} in the register`)
  if (reference.data_grade !== 'reference')
    throw badParam('reference', `sensor ${reference.id} is not registered with data_grade "reference"`)
  if (!reference.measures.includes(req.field as never))
    throw badParam('reference', `${reference.id} does not measure ${req.field}`)
  const metres = distanceMetres(sensor.location.coordinates as number[], reference.location.coordinates as number[])
  if (metres > MAX_COLOCATION_METRES)
    throw badParam(
      'reference',
      `${reference.id} is ${Math.round(metres)} m away: co-located means within ${MAX_COLOCATION_METRES} m`,
    )
  return reference
}

async function colocatedPairs(
  deps: { influx: InfluxReader; registry: QualityRegistry },
  sensor: RegisterEntry,
  reference: RegisterEntry,
  req: CalibrateRequest,
): Promise<Pair[]> {
  const hourly = (id: string, fields: string[]) =>
    aggregateRows(deps.influx, {
      sensor: id,
      kind: 'air',
      every: '1h',
      from: Math.floor(req.from / HOUR) * HOUR,
      to: req.to,
      fields,
      quality: { ...sensorQuality(deps.registry, id), calibrations: [] },
    })
  const [own, ref] = await Promise.all([
    hourly(sensor.id, [req.field, ...req.covariates]),
    hourly(reference.id, [req.field]),
  ])
  const refByHour = new Map(ref.rows.filter((r) => valid(r, [req.field])).map((r) => [r.time, r.values[req.field]!]))
  return own.rows.flatMap((r) => {
    const y = refByHour.get(r.time)
    if (y === undefined || !valid(r, [req.field, ...req.covariates])) return []
    return [{ time: Date.parse(r.time), inputs: r.values, reference: y }]
  })
}

const valid = (r: AggregateRow, fields: string[]) =>
  fields.every((f) => r.values[f] !== undefined && (r.coverage[f] ?? 0) >= VALID_HOUR_COVERAGE)

/** Great-circle distance between two [longitude, latitude] points (haversine). */
export function distanceMetres(a: readonly number[], b: readonly number[]): number {
  const rad = Math.PI / 180
  const dLat = (b[1]! - a[1]!) * rad
  const dLon = (b[0]! - a[0]!) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1]! * rad) * Math.cos(b[1]! * rad) * Math.sin(dLon / 2) ** 2
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h))
}
