/**
 * Data quality on the API (docs/data-quality.md): the QC flag catalogue and a sensor's
 * ratifications and calibrations (for callers who may read its readings: data-access.ts); recording a ratification and
 * fitting a calibration (admin accounts of the sensor's borough; both audited, both versioned).
 */
import { StreetsenseError } from '../core/index.js'
import { FLAG_CATALOGUE, QC_VERSION } from '../ingest/index.js'
import type { Calibration, Ratification } from '../registry/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { authenticate, requireBorough } from './admin-auth.js'
import type { ApiContext, OpenDataApp, RequestOf } from './api-context.js'
import { callerOf, requireReadable } from './data-access.js'
import { licenceBlock, setLicence } from './licence.js'
import { parseTime } from './params.js'
import { calibrate } from './quality/calibrate.js'
import { correctionLabel } from './quality/corrections.js'
import { calibrationBody, idParams, ratificationBody } from './route-schemas.js'
import { requireSensor } from './sensor-view.js'

const FLAGS = { tags: ['data quality'], summary: 'The automated QC flags: rule, effect, threshold, source' } as const
const RATIFICATIONS = {
  tags: ['data quality'],
  summary: 'Every ratification version of a sensor the caller may read (periods an operator reviewed)',
  params: idParams,
} as const
const CALIBRATIONS = {
  tags: ['data quality'],
  summary: 'Every calibration of a sensor the caller may read: method, coefficients, co-location, fit statistics',
  params: idParams,
} as const
const RATIFY = {
  tags: ['admin'],
  summary: "Ratify a period of a sensor's data: a new version, audited",
  params: idParams,
  body: ratificationBody,
} as const
const CALIBRATE = {
  tags: ['admin'],
  summary: 'Fit a calibration against a co-located reference sensor: a new version, audited',
  params: idParams,
  body: calibrationBody,
} as const

export function registerQualityRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/quality/flags', { schema: FLAGS }, () => ({
    qc_version: QC_VERSION,
    flags: FLAG_CATALOGUE,
    ...licenceBlock(),
  }))
  app.get('/v1/sensors/:id/ratifications', { schema: RATIFICATIONS }, async (req, reply) => {
    const entry = await readableEntry(ctx, req.params.id, req, reply)
    setLicence(reply, entry.licence)
    const ratifications = ctx.registry.listRatifications(entry.id).map(publicRatification)
    return { sensor: entry.id, count: ratifications.length, ratifications, ...licenceBlock(entry.licence) }
  })
  app.get('/v1/sensors/:id/calibrations', { schema: CALIBRATIONS }, async (req, reply) => {
    const entry = await readableEntry(ctx, req.params.id, req, reply)
    setLicence(reply, entry.licence)
    const calibrations = ctx.registry.listCalibrations(entry.id).map((c) => publicCalibration(ctx, c))
    return { sensor: entry.id, count: calibrations.length, calibrations, ...licenceBlock(entry.licence) }
  })
  app.post('/v1/admin/sensors/:id/ratifications', { schema: RATIFY }, (req, reply) => ratify(ctx, req, reply))
  app.post('/v1/admin/sensors/:id/calibrations', { schema: CALIBRATE }, (req, reply) =>
    calibrateSensor(ctx, req, reply),
  )
}

/** The sensor of the path, when the caller may read its readings (403 naming why otherwise). */
async function readableEntry(
  ctx: ApiContext,
  id: string,
  req: import('fastify').FastifyRequest,
  reply: import('fastify').FastifyReply,
): Promise<RegisterEntry> {
  const { entry } = requireSensor(ctx, id)
  requireReadable(await callerOf(ctx, req, reply), entry)
  return entry
}

/** A ratification as the public sees it: who in the operator's team recorded it stays in the audit log. */
const publicRatification = ({ by: _by, id: _id, sensor: _s, ...r }: Ratification) => r

function publicCalibration(ctx: ApiContext, c: Calibration) {
  const { fittedBy: _by, sensor: _s, ...rest } = c
  return { ...rest, label: correctionLabel(c, ctx.registry.getSensor(c.reference)?.entry.name) }
}

const iso = (param: string, value: string | undefined) =>
  value === undefined ? undefined : new Date(parseTime(param, value, 0)).toISOString()

async function ratify(ctx: ApiContext, req: RequestOf<typeof RATIFY>, reply: import('fastify').FastifyReply) {
  const account = await authenticate(ctx, req)
  const { entry } = requireSensor(ctx, req.params.id)
  requireBorough(account, entry.borough)
  const b = req.body
  const ratification = fromRegistry(() =>
    ctx.registry.addRatification(
      {
        sensor: entry.id,
        from: iso('from', b.from)!,
        to: iso('to', b.to)!,
        ...(b.note ? { note: b.note } : {}),
        decisions: (b.decisions ?? []).map((d, i) => ({
          ...d,
          fields: [...d.fields],
          from: iso(`decisions.${i}.from`, d.from)!,
          to: iso(`decisions.${i}.to`, d.to)!,
        })),
      },
      account.username,
    ),
  )
  reply.code(201)
  return { ratification, ...licenceBlock() }
}

async function calibrateSensor(
  ctx: ApiContext,
  req: RequestOf<typeof CALIBRATE>,
  reply: import('fastify').FastifyReply,
) {
  const account = await authenticate(ctx, req)
  const { entry } = requireSensor(ctx, req.params.id)
  requireBorough(account, entry.borough)
  const b = req.body
  const reference = ctx.registry.getSensor(b.reference)?.entry
  // The fit reads the reference's readings: the account must be allowed to read them (the access rule).
  if (reference && !ctx.access.mayRead(reference, account)) {
    throw new StreetsenseError('IOT_REGISTER_FORBIDDEN', `account ${account.username} may not read ${reference.id}`)
  }
  const calibration = await fromRegistry(() =>
    calibrate(
      ctx,
      entry,
      {
        field: b.field,
        reference: b.reference,
        from: parseTime('from', b.from, 0),
        to: parseTime('to', b.to, 0),
        covariates: [...(b.covariates ?? [])],
        ...(b.valid_from ? { validFrom: iso('valid_from', b.valid_from) } : {}),
        ...(b.valid_to ? { validTo: iso('valid_to', b.valid_to) } : {}),
        ...(b.note ? { note: b.note } : {}),
      },
      account.username,
    ),
  )
  reply.code(201)
  return { calibration: publicCalibration(ctx, calibration), ...licenceBlock() }
}

/** Runs a registry write, answering its record errors as this API's 400 naming the field. */
function fromRegistry<T>(write: () => T): T {
  try {
    const out = write()
    if (out instanceof Promise) return out.catch(mapError) as T
    return out
  } catch (err) {
    return mapError(err)
  }
}

function mapError(err: unknown): never {
  if (err instanceof StreetsenseError && err.code === 'IOT_REGISTRY_INVALID_RECORD')
    throw new StreetsenseError('IOT_REGISTER_BAD_PARAM', err.message, err.field)
  if (err instanceof StreetsenseError && err.code === 'IOT_REGISTRY_NOT_FOUND')
    throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', err.message, err.field)
  throw err
}
