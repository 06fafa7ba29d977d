/**
 * Fleet management in the admin API, for operator and admin accounts and only within their
 * boroughs: the releases published to the platform's store, rollouts (make one; see them with
 * their devices; pause, resume, halt or cancel one whose devices all lie in the account's
 * boroughs) and the fleet's status per device (agent version, update state, last error). The
 * register only writes to the registry (audited there); the ingest's rollout driver sends the
 * update commands and moves rollouts on, in this process or another.
 */
import type { FastifyReply } from 'fastify'
import { StreetsenseError } from '../core/index.js'
import type { Account, AccountRole, RolloutRecord, RolloutState } from '../registry/index.js'
import { authenticate } from './admin-auth.js'
import type { ApiContext, OpenDataApp, RequestOf } from './api-context.js'
import { fleetStatus, releaseJson, rolloutJson } from './fleet-json.js'
import { licenceBlock } from './licence.js'
import { newRollout, type RolloutBody } from './rollout-request.js'

const FLEET_ROLES: readonly AccountRole[] = ['operator', 'admin']
const BOROUGH = { type: 'string', pattern: '^E090000(0[1-9]|[12][0-9]|3[0-3])$' } as const
const SENSOR = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' } as const

const rolloutBody = {
  type: 'object',
  additionalProperties: false,
  required: ['release'],
  properties: {
    release: { type: 'string', pattern: '^(agent|firmware)-[0-9A-Za-z.+-]{1,64}$' },
    boroughs: { type: 'array', items: BOROUGH, maxItems: 33, uniqueItems: true },
    sensors: { type: 'array', items: SENSOR, maxItems: 10000, uniqueItems: true },
    percent: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
    stages: { type: 'string', maxLength: 200, description: 'e.g. canary:1,5%,25%,100%' },
    pause_after: { type: 'array', items: { type: 'string', maxLength: 20 }, maxItems: 10 },
    soak_seconds: { type: 'integer', minimum: 0, maximum: 2_592_000 },
    device_timeout_seconds: { type: 'integer', minimum: 10, maximum: 604_800 },
    halt: {
      type: 'object',
      additionalProperties: false,
      properties: {
        failures: { type: 'integer', minimum: 1 },
        rate: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        min_devices: { type: 'integer', minimum: 1 },
      },
    },
  },
} as const
const rolloutParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const
const actionParams = {
  type: 'object',
  required: ['id', 'action'],
  properties: {
    id: { type: 'string', maxLength: 64 },
    action: { type: 'string', enum: ['pause', 'resume', 'halt', 'cancel'] },
  },
} as const
const actionBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 500 } },
} as const
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: ['running', 'paused', 'halted', 'completed', 'cancelled'] },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
  },
} as const
const fleetQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { borough: BOROUGH, rollout: { type: 'string', maxLength: 64 }, sensor: SENSOR },
} as const

const CREATE = {
  tags: ['admin'],
  summary: 'Roll a published agent release out to devices of your boroughs, in stages',
  body: rolloutBody,
} as const
const LIST = {
  tags: ['admin'],
  summary: 'Rollouts touching your boroughs, newest first',
  querystring: listQuery,
} as const
const ONE = {
  tags: ['admin'],
  summary: 'A rollout with its devices (those of your boroughs)',
  params: rolloutParams,
} as const
const ACT = {
  tags: ['admin'],
  summary: 'Pause, resume, halt or cancel a rollout',
  params: actionParams,
  body: actionBody,
} as const
const RELEASES = { tags: ['admin'], summary: "The releases published to the platform's release store" } as const
const FLEET = {
  tags: ['admin'],
  summary: 'Per device of your boroughs: agent version, update state and last error',
  querystring: fleetQuery,
} as const

/** What each action does to a rollout: the states it may come from and the one it goes to. */
const ACTIONS: Record<string, { from: RolloutState[]; to: RolloutState }> = {
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  halt: { from: ['running', 'paused'], to: 'halted' },
  cancel: { from: ['running', 'paused', 'halted'], to: 'cancelled' },
}

export function registerFleetRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/admin/releases', { schema: RELEASES }, async (req) => {
    await authenticate(ctx, req, FLEET_ROLES)
    const releases = ctx.registry.fleet.listReleases().map(releaseJson)
    return { count: releases.length, releases, ...licenceBlock() }
  })
  // JSON only, as every admin write (requireJsonRequest, a hook of the whole plugin).
  app.post('/v1/admin/rollouts', { schema: CREATE }, (req, reply) => create(ctx, req, reply))
  app.get('/v1/admin/rollouts', { schema: LIST }, (req) => list(ctx, req))
  app.get('/v1/admin/rollouts/:id', { schema: ONE }, (req) => one(ctx, req))
  app.post('/v1/admin/rollouts/:id/:action', { schema: ACT }, (req) => act(ctx, req))
  app.get('/v1/admin/fleet', { schema: FLEET }, async (req) => {
    const account = await authenticate(ctx, req, FLEET_ROLES)
    const devices = fleetStatus(ctx, account, req.query)
    return { count: devices.length, devices, ...licenceBlock() }
  })
}

async function create(ctx: ApiContext, req: RequestOf<typeof CREATE>, reply: FastifyReply) {
  const account = await authenticate(ctx, req, FLEET_ROLES)
  const record = ctx.registry.fleet.createRollout(newRollout(ctx, account, req.body as RolloutBody))
  reply.code(201)
  return { rollout: rolloutJson(ctx, record, account), ...licenceBlock() }
}

async function list(ctx: ApiContext, req: RequestOf<typeof LIST>) {
  const account = await authenticate(ctx, req, FLEET_ROLES)
  const { state, limit } = req.query
  const rollouts = ctx.registry.fleet
    .listRollouts({ boroughs: account.boroughs, ...(state ? { states: [state] } : {}), limit })
    .map((r) => rolloutJson(ctx, r, account))
  return { count: rollouts.length, rollouts, ...licenceBlock() }
}

function visible(ctx: ApiContext, account: Account, id: string): RolloutRecord {
  const r = ctx.registry.fleet.getRollout(id)
  if (!r?.boroughs.some((b) => account.boroughs.includes(b))) {
    throw new StreetsenseError('IOT_REGISTER_NOT_FOUND', `no rollout ${id} in your boroughs`, 'id')
  }
  return r
}

async function one(ctx: ApiContext, req: RequestOf<typeof ONE>) {
  const account = await authenticate(ctx, req, FLEET_ROLES)
  const r = visible(ctx, account, req.params.id)
  return { rollout: rolloutJson(ctx, r, account, { devices: true }), ...licenceBlock() }
}

async function act(ctx: ApiContext, req: RequestOf<typeof ACT>) {
  const account = await authenticate(ctx, req, FLEET_ROLES)
  const r = visible(ctx, account, req.params.id)
  const outside = r.boroughs.filter((b) => !account.boroughs.includes(b))
  if (outside.length) {
    throw new StreetsenseError(
      'IOT_REGISTER_FORBIDDEN',
      `rollout ${r.id} also covers ${outside.join(', ')}: account ${account.username} may not steer it`,
    )
  }
  const { from, to } = ACTIONS[req.params.action]!
  const reason = req.body?.reason ?? `${req.params.action} by ${account.username}`
  if (!ctx.registry.fleet.setRolloutState(r.id, from, to, account.username, reason)) {
    throw new StreetsenseError(
      'IOT_REGISTER_ROLLOUT_STATE',
      `rollout ${r.id} is ${r.state}: it cannot ${req.params.action} (only when ${from.join(' or ')})`,
      'action',
    )
  }
  return { rollout: rolloutJson(ctx, ctx.registry.fleet.getRollout(r.id)!, account), ...licenceBlock() }
}
