/**
 * GET /v1/live: new readings as Server-Sent Events, filtered by borough, kind and sensor, of the
 * sensors the caller may read. Reconnecting with `Last-Event-ID` replays what was missed from a
 * bounded recent window; a client too slow to take the feed gets a `dropped` event and is cut off
 * (docs/api.md, "Live feed").
 */
import type { FastifyReply } from 'fastify'
import { StreetsenseError } from '../core/index.js'
import type { ApiContext, OpenDataApp, RequestOf } from './api-context.js'
import { anonymousCaller, requireReadable } from './data-access.js'
import { licenceBlock } from './licence.js'
import type { LiveFilter } from './live/sse-client.js'
import { parseSensorIds } from './params.js'
import { liveQuery } from './route-schemas-bulk.js'
import { requireSensor } from './sensor-view.js'

const LIVE = {
  tags: ['bulk and live'],
  summary: 'Live feed: new readings as Server-Sent Events (text/event-stream), filterable by borough, kind, sensor',
  description:
    'Events `reading` (id, data: one reading as in bulk history), `reset` (events were missed: backfill from /v1/readings) ' +
    'and `dropped` (the client was too slow; the stream ends). Reconnect with Last-Event-ID to replay the last minutes.',
  querystring: liveQuery,
} as const

const LIVE_STATUS = {
  tags: ['bulk and live'],
  summary: 'The live feed on this server: clients held, their bound, readings published, the replay window',
} as const

export function registerLiveRoutes(app: OpenDataApp, ctx: ApiContext): void {
  app.get('/v1/live', { schema: LIVE }, (req, reply) => liveFeed(ctx, req, reply))
  app.get('/v1/live/status', { schema: LIVE_STATUS }, () => liveStatus(ctx))
}

function liveStatus(ctx: ApiContext) {
  const live = ctx.live
  if (!live) return { available: false, ...licenceBlock() }
  const { maxClients, maxClientsPerAddress, maxBufferedBytes, replayEvents, replayMs } = live.hub.limits
  return {
    available: true,
    clients: live.hub.size,
    published: live.published,
    dropped: live.hub.dropped,
    limits: { maxClients, maxClientsPerAddress, maxBufferedBytes, replayEvents, replaySeconds: replayMs / 1000 },
    ...licenceBlock(),
  }
}

function filterOf(ctx: ApiContext, q: RequestOf<typeof LIVE>['query']): LiveFilter {
  const sensors = parseSensorIds(q.sensor)
  // Named sensors must exist and be readable: say so now rather than stay silent forever. The
  // feed is anonymous (an EventSource sends no credentials): open data only.
  for (const id of sensors ?? []) requireReadable(anonymousCaller(ctx), requireSensor(ctx, id).entry)
  return {
    ...(q.borough ? { boroughs: new Set([q.borough]) } : {}),
    ...(q.kind ? { kinds: new Set([q.kind]) } : {}),
    ...(sensors ? { sensors } : {}),
  }
}

function liveFeed(ctx: ApiContext, req: RequestOf<typeof LIVE>, reply: FastifyReply) {
  const live = ctx.live
  if (!live)
    throw new StreetsenseError(
      'IOT_REGISTER_LIVE_UNAVAILABLE',
      'this server runs no live feed (it was started without --live-mqtt-url): use bulk history, GET /v1/readings',
    )
  const filter = filterOf(ctx, req.query)
  const attached = live.hub.attach(reply.raw, filter, req.ip, anonymousCaller(ctx))
  if (!attached.ok) {
    reply.header('retry-after', '30')
    const whose = attached.reason === 'full' ? 'its most clients' : 'the most clients from one address'
    throw new StreetsenseError('IOT_REGISTER_LIVE_BUSY', `the live feed holds ${whose}; retry later`)
  }
  reply.hijack()
  const headers = {
    ...reply.getHeaders(),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  }
  reply.raw.writeHead(200, headers as Record<string, string>)
  req.raw.socket.setNoDelay(true)
  attached.client.send('retry: 3000\n\n')
  live.hub.replay(attached.client, lastEventId(req.headers['last-event-id']))
}

function lastEventId(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header
  return value && value.length <= 64 ? value : undefined
}
