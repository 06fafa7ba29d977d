/**
 * Stopping a broker, in an order that loses nothing already acknowledged: stop accepting, let the
 * emitter's queued deliveries and the acknowledged publishes reach the sessions, close Aedes, then
 * flush and close the persistence, the metrics server and (if the broker opened it) the registry.
 */
import type { Server } from 'node:http'
import type { Aedes } from 'aedes'
import type { BrokerContext } from './context.js'
import type { Backlog } from './limits/overload-guard.js'
import type { Listeners } from './listeners.js'
import type { PersistenceParts } from './persistence.js'
import type { PublishTracker } from './publish-tracker.js'

/** One broker's parts, filled in as startBroker's steps run. */
export interface BrokerRuntime {
  ctx: BrokerContext
  persistence: PersistenceParts
  /** The broker opened the registry itself (none was passed in), so it closes it. */
  ownsRegistry: boolean
  /** mqemitter's queue of deliveries not yet dispatched (empty until Aedes exists). */
  backlog: Backlog
  stopping: boolean
  aedes?: Aedes
  publishes?: PublishTracker
  sweeper?: NodeJS.Timeout
  listeners?: Listeners
  metricsServer?: { port: number; server: Server }
}

export async function stopBroker(rt: BrokerRuntime, aedes: Aedes): Promise<void> {
  if (rt.stopping) return
  rt.stopping = true
  clearInterval(rt.sweeper)
  rt.ctx.overload.releaseAll()
  const listenersClosed = rt.listeners?.close()
  await drainDeliveries(rt)
  await new Promise<void>((resolve) => aedes.close(() => resolve()))
  await listenersClosed
  await closePersistence(rt, aedes)
  const metricsServer = rt.metricsServer?.server
  if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()))
  if (rt.ownsRegistry) rt.ctx.registry.close()
  rt.ctx.log.info('broker stopped')
}

/**
 * Aedes acknowledges a publish before it queues it for the subscribers' sessions: let those
 * queued deliveries reach the persistence before it is closed, or a restart loses them.
 */
async function drainDeliveries(rt: BrokerRuntime): Promise<void> {
  const drainDeadline = Date.now() + 5000
  while (rt.backlog.length > 0 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20))
  // Publishes already acknowledged may still be queueing for offline sessions (Redis writes).
  await rt.publishes?.settled(Math.max(0, drainDeadline - Date.now()))
}

async function closePersistence({ persistence, ctx }: BrokerRuntime, aedes: Aedes): Promise<void> {
  await persistence.flush?.().catch((err: unknown) => ctx.log.warn({ err }, 'persistence flush failed'))
  // Without a callback, the persistence's destroy() returns a promise (with one, it may wait for a
  // 'ready' event that has already passed).
  const p = (aedes as unknown as { persistence?: { destroy?: () => Promise<void> | undefined } }).persistence
  await Promise.resolve(p?.destroy?.()).catch((err: unknown) => ctx.log.warn({ err }, 'persistence close failed'))
}
