/**
 * Admin API: an 'admin' account (admin-auth.ts) creates, updates and retires register entries of
 * ITS boroughs; every write is audited by the Registry. GET /v1/admin/audit shows the audit log of
 * the account's boroughs.
 */
import type { FastifyReply } from 'fastify'
import { type ErrorCode, StreetsenseError } from '../core/index.js'
import type { IssuedCredentials, SensorRecord } from '../registry/index.js'
import type { RegisterEntry } from '../schemas/index.js'
import { validateRegisterEntry } from '../schemas/index.js'
import { authenticate, requireBorough } from './admin-auth.js'
import { type ApiContext, baseUrl, type OpenDataApp, type RequestOf } from './api-context.js'
import { licenceBlock } from './licence.js'
import { publicEntry } from './public-entry.js'
import { auditQuery, idParams } from './route-schemas.js'

const ADD = { tags: ['admin'], summary: 'Register a sensor; returns its device credentials once' } as const
const REPLACE = { tags: ['admin'], summary: 'Replace a register entry', params: idParams } as const
const RETIRE = {
  tags: ['admin'],
  summary: "Retire a sensor: status 'retired', device account disabled (body: {}, as JSON)",
  params: idParams,
} as const
const AUDIT = {
  tags: ['admin'],
  summary: "The audit log of the account's boroughs, newest first",
  querystring: auditQuery,
} as const

export function registerAdminRoutes(app: OpenDataApp, ctx: ApiContext): void {
  // Admin writes must be JSON: requireJsonRequest, a hook of the whole plugin (plugin.ts).
  app.post('/v1/admin/sensors', { schema: ADD }, (req, reply) => addSensor(ctx, req, reply))
  app.put('/v1/admin/sensors/:id', { schema: REPLACE }, (req) => replaceSensor(ctx, req))
  app.post('/v1/admin/sensors/:id/retire', { schema: RETIRE }, (req) => retireSensor(ctx, req))
  app.get('/v1/admin/audit', { schema: AUDIT }, (req) => auditLog(ctx, req))
}

function parseEntry(body: unknown): RegisterEntry {
  const result = validateRegisterEntry(body)
  if (!result.ok) {
    const first = result.errors[0]!
    const param = first.path.replace(/^\//, '').replace(/\//g, '.') || 'body'
    throw new StreetsenseError('IOT_REGISTER_INVALID_ENTRY', `${param}: ${first.message}`, param)
  }
  return result.value
}

const FROM_REGISTRY: Partial<Record<ErrorCode, ErrorCode>> = {
  IOT_REGISTRY_INVALID_ENTRY: 'IOT_REGISTER_INVALID_ENTRY',
  IOT_REGISTRY_DUPLICATE: 'IOT_REGISTER_DUPLICATE',
  IOT_REGISTRY_NOT_FOUND: 'IOT_REGISTER_NOT_FOUND',
}

/** Runs a Registry write, answering its own error codes (core/errors.ts) with this API's. */
function throughRegistry<T>(write: () => T): T {
  try {
    return write()
  } catch (err) {
    if (!(err instanceof StreetsenseError)) throw err
    const code = FROM_REGISTRY[err.code]
    throw code ? new StreetsenseError(code, err.message) : err
  }
}

export function requireRecord(ctx: ApiContext, id: string): SensorRecord {
  const current = ctx.registry.getSensor(id)
  if (!current) throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no sensor ${id} in the register`)
  return current
}

async function addSensor(ctx: ApiContext, req: RequestOf<typeof ADD>, reply: FastifyReply) {
  const account = await authenticate(ctx, req)
  const entry = parseEntry(req.body)
  requireBorough(account, entry.borough)
  const credentials: IssuedCredentials = throughRegistry(() => ctx.registry.addSensor(entry, account.username))
  const record = requireRecord(ctx, entry.id)
  reply.code(201)
  return { sensor: publicEntry(record, baseUrl(ctx, req)), credentials, ...licenceBlock(entry.licence) }
}

async function replaceSensor(ctx: ApiContext, req: RequestOf<typeof REPLACE>) {
  const account = await authenticate(ctx, req)
  const id = req.params.id
  const entry = parseEntry(req.body)
  if (entry.id !== id) throw new StreetsenseError('IOT_REGISTER_BAD_PARAM', 'id: body id must equal the path id', 'id')
  requireBorough(account, requireRecord(ctx, id).entry.borough)
  requireBorough(account, entry.borough)
  throughRegistry(() => ctx.registry.updateSensor(entry, account.username))
  return { sensor: publicEntry(requireRecord(ctx, id), baseUrl(ctx, req)), ...licenceBlock() }
}

async function retireSensor(ctx: ApiContext, req: RequestOf<typeof RETIRE>) {
  const account = await authenticate(ctx, req)
  const id = req.params.id
  requireBorough(account, requireRecord(ctx, id).entry.borough)
  throughRegistry(() => ctx.registry.retireSensor(id, account.username))
  return { sensor: publicEntry(requireRecord(ctx, id), baseUrl(ctx, req)), ...licenceBlock() }
}

async function auditLog(ctx: ApiContext, req: RequestOf<typeof AUDIT>) {
  const account = await authenticate(ctx, req)
  const { sensor, limit } = req.query
  // Read more than asked, then keep what the account may see.
  const events = ctx.registry.listAudit({ sensor, limit: limit * 5 }).filter((e) => {
    if (e.actor === account.username) return true
    const borough = e.sensor ? ctx.registry.getSensor(e.sensor)?.entry.borough : undefined
    return borough !== undefined && account.boroughs.includes(borough)
  })
  return { count: Math.min(events.length, limit), events: events.slice(0, limit), ...licenceBlock() }
}
