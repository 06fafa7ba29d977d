/**
 * Admin API of governance: data-sharing agreements and DPIA records (add, replace, list), the
 * reviews that are due or overdue, and erasure requests (the ingest carries them out). Writes
 * need an admin account of the borough concerned and a JSON body (the plugin's hook,
 * requireJsonRequest); reads also take operator accounts. Every write is audited by the Registry.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { StreetsenseError } from '../core/index.js'
import { type Account, type DpiaRecord, type SharingAgreement, utcDay } from '../registry/index.js'
import { authenticate, requireBorough } from './admin-auth.js'
import type { ApiContext, OpenDataApp, RequestOf } from './api-context.js'
import {
  agreementBody,
  dpiaBody,
  eraseBody,
  erasureParams,
  erasuresQuery,
  governanceListQuery,
  referenceParams,
  reviewsQuery,
} from './governance-schemas.js'
import { agreementView, dpiaView } from './governance-view.js'
import { licenceBlock } from './licence.js'
import { badParam, parseTime } from './params.js'
import { idParams } from './route-schemas.js'
import { requireRecord, throughRegistry } from './routes-admin.js'

const READERS = ['admin', 'operator'] as const
const tags = ['admin', 'governance']

const LIST_AGREEMENTS = {
  tags,
  summary: "Data-sharing agreements of the account's boroughs, as owner or partner",
  querystring: governanceListQuery,
} as const
const ADD_AGREEMENT = { tags, summary: 'Record a data-sharing agreement', body: agreementBody } as const
const PUT_AGREEMENT = {
  tags,
  summary: 'Replace a data-sharing agreement (e.g. a new review date, partners or end)',
  params: referenceParams,
  body: agreementBody,
} as const
const LIST_DPIAS = {
  tags,
  summary: "DPIA records of the account's boroughs",
  querystring: governanceListQuery,
} as const
const ADD_DPIA = {
  tags,
  summary: 'Record a DPIA (per sensor or per purpose) with its review date',
  body: dpiaBody,
} as const
const PUT_DPIA = { tags, summary: 'Replace a DPIA record', params: referenceParams, body: dpiaBody } as const
const REVIEWS = {
  tags,
  summary: 'DPIA and agreement reviews overdue or due soon, of the account boroughs',
  querystring: reviewsQuery,
} as const
const ERASE = {
  tags,
  summary: "Erase a sensor's readings (all, or a time range) from InfluxDB, the spool, the quarantine and archives",
  params: idParams,
  body: eraseBody,
} as const
const ERASURES = { tags, summary: "Erasure requests of the account's boroughs", querystring: erasuresQuery } as const
const ERASURE = { tags, summary: 'One erasure request and what it removed', params: erasureParams } as const

export function registerGovernanceRoutes(app: OpenDataApp, ctx: ApiContext): void {
  const r = ctx.registry
  const agreements: RecordApi<SharingAgreement> = {
    noun: 'agreement',
    get: (ref) => r.getAgreement(ref),
    add: (input, actor) => r.addAgreement(input, actor),
    update: (input, actor) => r.updateAgreement(input, actor),
    view: agreementView,
  }
  const dpias: RecordApi<DpiaRecord> = {
    noun: 'dpia',
    get: (ref) => r.getDpia(ref),
    add: (input, actor) => r.addDpia(input, actor),
    update: (input, actor) => r.updateDpia(input, actor),
    view: (d) => ({ ...dpiaView(d, ctx.now()), borough: d.borough, sensors: d.sensors }),
  }
  app.get('/v1/admin/agreements', { schema: LIST_AGREEMENTS }, (req) => listAgreements(ctx, req))
  app.post('/v1/admin/agreements', { schema: ADD_AGREEMENT }, (req, reply) =>
    addRecord(ctx, req, req.body, reply, agreements),
  )
  app.put('/v1/admin/agreements/:reference', { schema: PUT_AGREEMENT }, (req) =>
    putRecord(ctx, req, req.params.reference, req.body, agreements),
  )
  app.get('/v1/admin/dpias', { schema: LIST_DPIAS }, (req) => listDpias(ctx, req))
  app.post('/v1/admin/dpias', { schema: ADD_DPIA }, (req, reply) => addRecord(ctx, req, req.body, reply, dpias))
  app.put('/v1/admin/dpias/:reference', { schema: PUT_DPIA }, (req) =>
    putRecord(ctx, req, req.params.reference, req.body, dpias),
  )
  app.get('/v1/admin/reviews', { schema: REVIEWS }, (req) => reviews(ctx, req))
  app.post('/v1/admin/sensors/:id/erase', { schema: ERASE }, (req, reply) => erase(ctx, req, reply))
  app.get('/v1/admin/erasures', { schema: ERASURES }, (req) => listErasures(ctx, req))
  app.get('/v1/admin/erasures/:id', { schema: ERASURE }, (req) => getErasure(ctx, req))
}

const mine = (account: Account, borough: string) => account.boroughs.includes(borough)

async function listAgreements(ctx: ApiContext, req: RequestOf<typeof LIST_AGREEMENTS>) {
  const account = await authenticate(ctx, req, READERS)
  const now = ctx.now()
  const agreements = ctx.registry
    .listAgreements({ sensor: req.query.sensor })
    .filter((a) => mine(account, a.borough) || a.partners.some((p) => mine(account, p)))
    .filter((a) => !req.query.overdue || a.review < utcDay(now))
    .map(agreementView)
  return { count: agreements.length, agreements, ...licenceBlock() }
}

async function listDpias(ctx: ApiContext, req: RequestOf<typeof LIST_DPIAS>) {
  const account = await authenticate(ctx, req, READERS)
  const now = ctx.now()
  const dpias = ctx.registry
    .listDpias({ sensor: req.query.sensor })
    .filter((d) => mine(account, d.borough))
    .map((d) => ({ ...dpiaView(d, now), borough: d.borough, sensors: d.sensors }))
    .filter((d) => !req.query.overdue || d.review_overdue)
  return { count: dpias.length, dpias, ...licenceBlock() }
}

/** How the routes handle one kind of record (agreements, DPIAs): the registry's methods and the public view. */
interface RecordApi<R extends { borough: string }> {
  noun: 'agreement' | 'dpia'
  get(reference: string): R | undefined
  add(input: unknown, actor: string): R
  update(input: unknown, actor: string): R
  view(record: R): object
}

type RecordBody = { reference: string; borough: string }

async function addRecord<R extends { borough: string }>(
  ctx: ApiContext,
  req: FastifyRequest,
  body: RecordBody,
  reply: FastifyReply,
  api: RecordApi<R>,
) {
  const account = await authenticate(ctx, req)
  requireBorough(account, body.borough)
  const record = throughRegistry(() => api.add(body, account.username))
  reply.code(201)
  return { [api.noun]: api.view(record), ...licenceBlock() }
}

/** Replaces a record: the path names it, and the account must hold its borough (which cannot change). */
async function putRecord<R extends { borough: string }>(
  ctx: ApiContext,
  req: FastifyRequest,
  reference: string,
  body: RecordBody,
  api: RecordApi<R>,
) {
  const account = await authenticate(ctx, req)
  if (body.reference !== reference) throw badParam('reference', 'the body reference must equal the path')
  const before = api.get(reference)
  if (before) requireBorough(account, before.borough)
  requireBorough(account, body.borough)
  const record = throughRegistry(() => api.update(body, account.username))
  return { [api.noun]: api.view(record), ...licenceBlock() }
}

async function reviews(ctx: ApiContext, req: RequestOf<typeof REVIEWS>) {
  const account = await authenticate(ctx, req, READERS)
  const now = ctx.now()
  const [today, horizon] = [utcDay(now), utcDay(now + req.query.within_days * 86_400_000)]
  const dpias = ctx.registry
    .listDpias()
    .filter((d) => mine(account, d.borough))
    .map((d) => ({ kind: 'dpia', reference: d.reference, borough: d.borough, what: d.title, review: d.review }))
  const agreements = ctx.registry
    .listAgreements()
    .filter((a) => mine(account, a.borough) && (a.ends === undefined || a.ends >= today))
    .map((a) => ({ kind: 'agreement', reference: a.reference, borough: a.borough, what: a.purpose, review: a.review }))
  const items = [...dpias, ...agreements]
    .filter((r) => r.review <= horizon)
    .sort((a, b) => a.review.localeCompare(b.review))
    .map((r) => ({ ...r, overdue: r.review < today }))
  return { count: items.length, overdue: items.filter((r) => r.overdue).length, reviews: items, ...licenceBlock() }
}

const ERASE_FIELDS = Object.keys(eraseBody.properties)

async function erase(ctx: ApiContext, req: RequestOf<typeof ERASE>, reply: FastifyReply) {
  const account = await authenticate(ctx, req)
  const unknown = Object.keys(req.body).find((k) => !ERASE_FIELDS.includes(k))
  if (unknown !== undefined) throw badParam(unknown, `unknown field; allowed: ${ERASE_FIELDS.join(', ')}`)
  const { entry } = requireRecord(ctx, req.params.id)
  requireBorough(account, entry.borough)
  const now = ctx.now()
  const from = req.body.from === undefined ? undefined : parseTime('from', req.body.from, now)
  const to = req.body.to === undefined ? undefined : parseTime('to', req.body.to, now)
  const erasure = throughRegistry(() =>
    ctx.registry.requestErasure({ sensor: entry.id, from, to, reason: req.body.reason }, account.username),
  )
  reply.code(202)
  reply.header('location', `/v1/admin/erasures/${erasure.id}`)
  return { erasure, ...licenceBlock() }
}

async function listErasures(ctx: ApiContext, req: RequestOf<typeof ERASURES>) {
  const account = await authenticate(ctx, req, READERS)
  // An account of no borough sees none (an empty filter would mean every borough).
  const erasures =
    account.boroughs.length === 0 ? [] : ctx.registry.listErasures({ ...req.query, boroughs: account.boroughs })
  return { count: erasures.length, erasures, ...licenceBlock() }
}

async function getErasure(ctx: ApiContext, req: RequestOf<typeof ERASURE>) {
  const account = await authenticate(ctx, req, READERS)
  const erasure = ctx.registry.getErasure(req.params.id)
  if (!erasure || !mine(account, erasure.borough)) {
    throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no erasure ${req.params.id} of your boroughs`)
  }
  return { erasure, ...licenceBlock() }
}
