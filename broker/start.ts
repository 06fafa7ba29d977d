/**
 * startBroker: the whole broker (Aedes + registry auth/ACL + limits + listeners + metrics) in
 * this process. `streetsense broker` and `streetsense up` both call it.
 */
import { Aedes } from 'aedes'
import type { Logger } from 'pino'
import { openRegistry, type Registry } from '../registry/index.js'
import type { BrokerSettings } from './config.js'
import type { BrokerContext } from './context.js'
import { createAuthenticate } from './hooks/authenticate.js'
import { createAuthorizeForward } from './hooks/authorize-forward.js'
import { createAuthorizePublish } from './hooks/authorize-publish.js'
import { createAuthorizeSubscribe } from './hooks/authorize-subscribe.js'
import { createPreConnect } from './hooks/pre-connect.js'
import { guardEmitterStack } from './limits/emitter-stack-guard.js'
import { LoginThrottle } from './limits/login-throttle.js'
import { type Backlog, OverloadGuard } from './limits/overload-guard.js'
import { TokenBuckets, WindowCounter } from './limits/rate-limiters.js'
import { startListeners } from './listeners.js'
import { createMetrics } from './metrics.js'
import { startMetricsServer } from './metrics-server.js'
import { createPersistence } from './persistence.js'
import { trackPublishes } from './publish-tracker.js'

export interface RunningBroker {
  ports: { mqtt?: number; mqtts?: number; ws?: number; metrics: number }
  aedes: Aedes
  close(): Promise<void>
}

export async function startBroker(
  settings: BrokerSettings,
  deps: { log: Logger; registry?: Registry },
): Promise<RunningBroker> {
  const log = deps.log
  const registry = deps.registry ?? openRegistry(settings.dataDir)
  const ownsRegistry = deps.registry === undefined
  const metrics = createMetrics()
  const parts = createPersistence(settings)
  let backlog: Backlog = { length: 0 }
  const ctx: BrokerContext = {
    settings,
    registry,
    log,
    metrics,
    sessions: new WeakMap(),
    connections: new WeakMap(),
    connectionRate: new WindowCounter(60_000),
    publishRate: new TokenBuckets(settings.publishesPerSecondPerDevice, settings.publishBurst),
    loginThrottle: new LoginThrottle(settings.failedLoginThrottleCount, settings.failedLoginThrottleSeconds),
    overload: new OverloadGuard(
      {
        get length() {
          return backlog.length
        },
      },
      settings.maxQueuedPerSubscriber,
      {
        onPause() {
          metrics.overloadPauses.inc()
          log.warn({ backlog: backlog.length }, 'overload: paused reading from publishers')
        },
        onResume(heldMs) {
          log.info({ heldMs }, 'overload: resumed')
        },
      },
    ),
    connectedClients: () => aedes.connectedClients,
  }

  const aedes: Aedes = await Aedes.createBroker({
    ...(parts.mq ? { mq: parts.mq } : {}),
    ...(parts.persistence ? { persistence: parts.persistence } : {}),
    concurrency: 100,
    drainTimeout: settings.drainTimeoutMs,
    connectTimeout: 10_000,
    preConnect: createPreConnect(ctx),
    authenticate: createAuthenticate(ctx),
    authorizePublish: createAuthorizePublish(ctx),
    authorizeSubscribe: createAuthorizeSubscribe(ctx),
    authorizeForward: createAuthorizeForward(ctx),
  })
  const publishes = trackPublishes(aedes)
  backlog = (aedes as unknown as { mq: Backlog }).mq
  if (!guardEmitterStack(backlog as never)) log.warn('mqemitter internals changed: stack guard not installed')
  aedes.on('client', () => metrics.connections.set(aedes.connectedClients))
  aedes.on('clientDisconnect', () => metrics.connections.set(aedes.connectedClients))
  aedes.on('clientError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'client error'))
  aedes.on('connectionError', (client, err) =>
    log.debug({ clientId: client?.id, err: err.message }, 'connection error'),
  )

  const sweeper = setInterval(() => {
    ctx.connectionRate.sweep()
    ctx.publishRate.sweep()
    ctx.loginThrottle.sweep()
    metrics.backlog.set(backlog.length)
  }, 10_000)
  sweeper.unref()

  let stopping = false
  let listeners: Awaited<ReturnType<typeof startListeners>> | undefined
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined
  const closeAedes = () => new Promise<void>((resolve) => aedes.close(() => resolve()))
  // Without a callback, the persistence's destroy() returns a promise (with one, it may wait for a
  // 'ready' event that has already passed).
  const destroyPersistence = async () => {
    const p = (aedes as unknown as { persistence?: { destroy?: () => Promise<void> | undefined } }).persistence
    await Promise.resolve(p?.destroy?.()).catch((err: unknown) => log.warn({ err }, 'persistence close failed'))
  }

  async function close(): Promise<void> {
    if (stopping) return
    stopping = true
    clearInterval(sweeper)
    ctx.overload.releaseAll()
    const listenersClosed = listeners?.close()
    // Aedes acknowledges a publish before it queues it for the subscribers' sessions: let those
    // queued deliveries reach the persistence before it is closed, or a restart loses them.
    const drainDeadline = Date.now() + 5000
    while (backlog.length > 0 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20))
    // Publishes already acknowledged may still be queueing for offline sessions (Redis writes).
    await publishes.settled(Math.max(0, drainDeadline - Date.now()))
    await closeAedes()
    await listenersClosed
    await parts.flush?.().catch((err: unknown) => log.warn({ err }, 'persistence flush failed'))
    await destroyPersistence()
    if (metricsServer) await new Promise<void>((resolve) => metricsServer!.server.close(() => resolve()))
    if (ownsRegistry) registry.close()
    log.info('broker stopped')
  }

  try {
    listeners = await startListeners(aedes, ctx)
    metricsServer = await startMetricsServer(
      metrics,
      () => ({
        status: stopping ? 'stopping' : 'ok',
        connections: aedes.connectedClients,
        persistence: parts.mode,
        overloaded: ctx.overload.paused,
      }),
      settings.metricsPort,
      settings.metricsHost,
    )
  } catch (err) {
    await close()
    throw err
  }
  const ports = { ...listeners.ports, metrics: metricsServer.port }
  log.info({ ports, persistence: parts.mode, maxPacketBytes: settings.maxPacketBytes }, 'broker listening')
  return { ports, aedes, close }
}
