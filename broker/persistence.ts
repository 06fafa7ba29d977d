/**
 * Where sessions, offline QoS 1 queues and retained messages live, and how messages reach the
 * other nodes. Memory: one node, lost on restart. Redis: several nodes share both the emitter
 * (mqemitter-redis: a publish on node A reaches subscribers on node B) and the persistence
 * (aedes-persistence-redis: a persistent session survives a restart or moves to another node).
 * Both must be shared, or messages do not cross nodes (moscajs/aedes#531).
 */
import aedesPersistenceRedis from 'aedes-persistence-redis'
import { Redis } from 'ioredis'
import mqemitterRedis from 'mqemitter-redis'
import { deviceDownlinkFilter, parseTopic } from '../schemas/index.js'
import type { BrokerSettings } from './config.js'

export interface PersistenceParts {
  mq?: unknown
  persistence?: unknown
  mode: 'memory' | 'redis'
  /** Resolves once every persistence write issued so far has been applied (Redis answers in order). */
  flush?: () => Promise<void>
}

function redisOptions(url: string) {
  const u = new URL(url)
  if (u.protocol !== 'redis:') throw new Error(`--redis-url must start with redis:// (got ${u.protocol})`)
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  }
}

type AddSubscriptions = (client: unknown, subs: object, cb?: unknown) => Promise<unknown> | undefined

/**
 * Works around a hang in aedes 1.2 + aedes-persistence 11 (broadcastPersistence): for a SUBSCRIBE
 * with N filters from a persistent (clean=false) client, Aedes calls addSubscriptions N times
 * with the same array; each call waits for its own `$SYS/sub/add` echo under one shared key, so
 * N-1 of them never resolve and the SUBACK never comes. Calls with the same array share one call.
 */
export function dedupeAddSubscriptions(persistence: { addSubscriptions: AddSubscriptions }): void {
  const original = persistence.addSubscriptions.bind(persistence)
  const inFlight = new WeakMap<object, Promise<unknown> | undefined>()
  persistence.addSubscriptions = (client, subs, cb) => {
    if (cb) return original(client, subs, cb)
    if (!inFlight.has(subs)) inFlight.set(subs, original(client, subs))
    return inFlight.get(subs)
  }
}

interface StoredSubscription {
  clientId: string
  topic: string
}
type SubscriptionsByTopic = (topic: string) => Promise<StoredSubscription[]>

/**
 * A device's own downlink filter (`.../{borough}/{id}/+`) also matches its own readings, so Aedes
 * queued every reading for the device too (authorizeForward never sends it) under one reference
 * count shared with the ingest's copy. Each of a device's connections that replays its queue
 * clears its copy and counts down; two at once (a reconnect storm after a broker is killed) count
 * down twice, the shared packet is deleted, and the ingest's queue, while its consumer
 * reconnects, keeps only a key to nothing: acknowledged readings lost. A reading is queued only
 * for the subscriptions that will receive it.
 */
export function skipOwnReadings(persistence: { subscriptionsByTopic: SubscriptionsByTopic }): void {
  const original = persistence.subscriptionsByTopic.bind(persistence)
  persistence.subscriptionsByTopic = async (topic) => {
    const subs = await original(topic)
    const parts = parseTopic(topic)
    if (parts?.direction !== 'up') return subs
    const own = deviceDownlinkFilter(parts.borough, parts.sensor)
    return subs.filter((sub) => !(sub.clientId === parts.sensor && sub.topic === own))
  }
}

export function createPersistence(settings: BrokerSettings): PersistenceParts {
  if (!settings.redisUrl) return { mode: 'memory' }
  const opts = redisOptions(settings.redisUrl)
  // Our own connection, so shutdown can ping it: Redis replies in order, so the reply to a PING
  // means every session and queue write Aedes issued before it is stored.
  const conn = new Redis(opts)
  const options = {
    ...opts,
    conn, // a documented option (README) that the package's types lack
    // Offline QoS 1 messages expire, so the queue of a client that never returns stays bounded.
    packetTTL: () => settings.redisPacketTtlSeconds,
    // Offline messages handed over per reconnect (the rest stay queued for the next one).
    maxSessionDelivery: 10_000,
  }
  const persistence = aedesPersistenceRedis(options as never) as {
    addSubscriptions: AddSubscriptions
    subscriptionsByTopic: SubscriptionsByTopic
  }
  dedupeAddSubscriptions(persistence)
  skipOwnReadings(persistence)
  return {
    mode: 'redis',
    mq: mqemitterRedis(opts as never),
    persistence,
    flush: async () => {
      await conn.ping()
    },
  }
}
