/**
 * Where sessions, offline QoS 1 queues and retained messages live, and how messages reach the
 * other nodes. Memory: one node, lost on restart. Redis: several nodes share both the emitter
 * (mqemitter-redis: a publish on node A reaches subscribers on node B) and the persistence
 * (aedes-persistence-redis: a persistent session survives a restart or moves to another node).
 * Both must be shared, or messages do not cross nodes (moscajs/aedes#531).
 */
import aedesPersistenceRedis from 'aedes-persistence-redis'
import mqemitterRedis from 'mqemitter-redis'
import type { BrokerSettings } from './config.js'

export interface PersistenceParts {
  mq?: unknown
  persistence?: unknown
  mode: 'memory' | 'redis'
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

export function createPersistence(settings: BrokerSettings): PersistenceParts {
  if (!settings.redisUrl) return { mode: 'memory' }
  const opts = redisOptions(settings.redisUrl)
  return {
    mode: 'redis',
    mq: mqemitterRedis({ ...opts, concurrency: 100 } as never),
    persistence: aedesPersistenceRedis({
      ...opts,
      // Offline QoS 1 messages expire, so the queue of a client that never returns stays bounded.
      packetTTL: () => settings.redisPacketTtlSeconds,
      maxSessionDelivery: 10_000,
    }),
  }
}
