/**
 * Commands to devices through the admin API: an operator or admin account sends set_interval,
 * resend or status to a sensor of its boroughs, and reads the commands sent to it with the
 * device's answers. The register only writes the command, queued, to the registry's commands
 * table (audited with the HTTP account as actor); the ingest sends it from its MQTT connection
 * (ingest/commands/), whether it runs in this process or another. Bodies must be JSON: a browser
 * cannot send that cross-site without a CORS preflight, which this API never grants.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import { StreetsenseError } from '../core/index.js'
import type { AccountRole, CommandRecord } from '../registry/index.js'
import { authenticate, requireBorough } from './admin-auth.js'
import type { ApiContext, OpenDataApp, RequestOf } from './api-context.js'
import { licenceBlock } from './licence.js'
import { commandBody, commandsQuery, idParams } from './route-schemas.js'
import { requireRecord } from './routes-admin.js'

const COMMANDERS: readonly AccountRole[] = ['operator', 'admin']

const ISSUE = {
  tags: ['admin'],
  summary: "Send a command to a device of the account's boroughs (operator or admin); 202 with the queued command",
  params: idParams,
  body: commandBody,
} as const
const LIST = {
  tags: ['admin'],
  summary: 'The commands sent to a device, newest first, with its answers',
  params: idParams,
  querystring: commandsQuery,
} as const

export function registerCommandRoutes(app: OpenDataApp, ctx: ApiContext): void {
  // JSON only, as every admin write (requireJsonRequest, a hook of the whole plugin).
  app.post('/v1/admin/sensors/:id/commands', { schema: ISSUE }, (req, reply) => issueCommand(ctx, req, reply))
  app.get('/v1/admin/sensors/:id/commands', { schema: LIST }, (req) => listCommands(ctx, req))
}

/** The public form of a command: the wire names, and `status` = the answer's, else the state. */
function commandJson(c: CommandRecord) {
  return {
    id: c.id,
    sensor: c.sensor,
    borough: c.borough,
    command: c.command,
    args: c.args,
    by: c.by,
    issued_at: c.issuedAt,
    expires_at: c.expiresAt,
    state: c.state,
    ...(c.sentAt ? { sent_at: c.sentAt } : {}),
    status: c.result?.status ?? c.state,
    result: c.result ?? null,
  }
}

async function issueCommand(ctx: ApiContext, req: RequestOf<typeof ISSUE>, reply: FastifyReply) {
  const account = await authenticate(ctx, req, COMMANDERS)
  const { entry } = requireRecord(ctx, req.params.id)
  requireBorough(account, entry.borough)
  if (entry.status === 'retired')
    throw new StreetsenseError('IOT_REGISTER_SENSOR_RETIRED', `sensor ${entry.id} is retired`)
  const now = ctx.now()
  const { command, args = {}, expires_in: expiresIn = 3600 } = req.body
  let record: CommandRecord
  try {
    record = ctx.registry.commands.issue(
      {
        id: randomUUID(),
        sensor: entry.id,
        borough: entry.borough,
        command: command as CommandRecord['command'],
        args,
        by: account.username,
        issuedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + expiresIn * 1000).toISOString(),
      },
      account.username,
    )
  } catch (err) {
    if (err instanceof StreetsenseError && err.code === 'IOT_REGISTRY_INVALID_ENTRY') {
      throw new StreetsenseError('IOT_REGISTER_BAD_PARAM', err.message, err.field ?? 'body')
    }
    throw err
  }
  ctx.onCommandQueued?.()
  reply.code(202)
  return { command: commandJson(record), ...licenceBlock() }
}

async function listCommands(ctx: ApiContext, req: RequestOf<typeof LIST>) {
  const account = await authenticate(ctx, req, COMMANDERS)
  const { entry } = requireRecord(ctx, req.params.id)
  requireBorough(account, entry.borough)
  const { state, limit } = req.query
  const commands = ctx.registry.commands.list({ sensor: entry.id, limit, ...(state ? { state } : {}) })
  return { count: commands.length, commands: commands.map(commandJson), ...licenceBlock() }
}
