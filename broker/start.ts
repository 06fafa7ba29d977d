/**
 * startBroker: the whole broker (Aedes + registry auth/ACL + limits + listeners + metrics) in
 * this process. `streetsense broker` and `streetsense up` both call it. It runs as a pipeline of
 * steps over one BrokerRuntime: the shared context, Aedes with its hooks, the watchers, then the
 * listeners and the metrics server; stopBroker (stop.ts) undoes them in order.
 */
import { Aedes } from 'aedes'
import type { Logger } from 'pino'
import { TokenBuckets, WindowCounter } from '../core/index.js'
import { openRegistry, type Registry } from '../registry/index.js'
import { guardClientRegistry } from './client-registry-guard.js'
import type { BrokerSettings } from './config.js'
import { createAuthenticate, noteAbandoned } from './hooks/authenticate.js'
import { createAuthorizeForward } from './hooks/authorize-forward.js'
import { createAuthorizePublish } from './hooks/authorize-publish.js'
import { createAuthorizeSubscribe } from './hooks/authorize-subscribe.js'
import { createPreConnect } from './hooks/pre-connect.js'
import { guardEmitterStack } from './limits/emitter-stack-guard.js'
import { LoginThrottle } from './limits/login-throttle.js'
import { type Backlog, OverloadGuard } from './limits/overload-guard.js'
import { startListeners } from './listeners.js'
import { type BrokerMetrics, createMetrics } from './metrics.js'
import { startMetricsServer } from './metrics-server.js'
import { createPersistence } from './persistence.js'
import { trackPublishes } from './publish-tracker.js'
import { type BrokerRuntime, stopBroker } from './stop.js'

export interface RunningBroker {
  ports: { mqtt?: number; mqtts?: number; ws?: number; metrics: number }
  aedes: Aedes
  close(): Promise<void>
}

export async function startBroker(
  settings: BrokerSettings,
  deps: { log: Logger; registry?: Registry },
): Promise<RunningBroker> {
  const rt = createRuntime(settings, deps.log, deps.registry)
  const aedes = await createAedes(rt)
  watchAedes(rt, aedes)
  rt.sweeper = startSweeper(rt)
  const close = () => stopBroker(rt, aedes)
  try {
    const ports = await openEndpoints(rt, aedes)
    deps.log.info(
      { ports, persistence: rt.persistence.mode, maxPacketBytes: settings.maxPacketBytes },
      'broker listening',
    )
    return { ports, aedes, close }
  } catch (err) {
    await close()
    throw err
  }
}

function createRuntime(settings: BrokerSettings, log: Logger, registry: Registry | undefined): BrokerRuntime {
  const metrics = createMetrics()
  const rt: BrokerRuntime = {
    persistence: createPersistence(settings),
    ownsRegistry: registry === undefined,
    backlog: { length: 0 },
    stopping: false,
    ctx: {
      settings,
      registry: registry ?? openRegistry(settings.dataDir),
      log,
      metrics,
      sessions: new WeakMap(),
      emptyPersistentIds: new WeakSet(),
      connections: new WeakMap(),
      connectionRate: new WindowCounter(60_000),
      publishRate: new TokenBuckets(settings.publishesPerSecondPerDevice, settings.publishBurst),
      loginThrottle: new LoginThrottle(settings.failedLoginThrottleCount, settings.failedLoginThrottleSeconds),
      overload: createOverloadGuard(settings, metrics, log, () => rt.backlog.length),
      connectedClients: () => rt.aedes?.connectedClients ?? 0,
    },
  }
  return rt
}

function createOverloadGuard(
  settings: BrokerSettings,
  metrics: BrokerMetrics,
  log: Logger,
  backlogLength: () => number,
): OverloadGuard {
  const backlog: Backlog = {
    get length() {
      return backlogLength()
    },
  }
  return new OverloadGuard(backlog, settings.maxQueuedPerSubscriber, {
    onPause() {
      metrics.overloadPauses.inc()
      log.warn({ backlog: backlog.length }, 'overload: paused reading from publishers')
    },
    onResume(heldMs) {
      log.info({ heldMs }, 'overload: resumed')
    },
  })
}

async function createAedes(rt: BrokerRuntime): Promise<Aedes> {
  const { ctx, persistence: parts } = rt
  const aedes: Aedes = await Aedes.createBroker({
    ...(parts.mq ? { mq: parts.mq } : {}),
    ...(parts.persistence ? { persistence: parts.persistence } : {}),
    concurrency: 100,
    drainTimeout: ctx.settings.drainTimeoutMs,
    connectTimeout: 10_000,
    preConnect: createPreConnect(ctx),
    authenticate: createAuthenticate(ctx),
    authorizePublish: createAuthorizePublish(ctx),
    authorizeSubscribe: createAuthorizeSubscribe(ctx),
    authorizeForward: createAuthorizeForward(ctx),
  })
  rt.aedes = aedes
  rt.publishes = trackPublishes(aedes)
  rt.backlog = (aedes as unknown as { mq: Backlog }).mq
  return aedes
}

/** The emitter's stack guard, the connections gauge, and client errors at debug level. */
function watchAedes({ ctx, backlog }: BrokerRuntime, aedes: Aedes): void {
  const { log, metrics } = ctx
  if (!guardEmitterStack(backlog as never)) log.warn('mqemitter internals changed: stack guard not installed')
  if (!guardClientRegistry(aedes, (client) => noteAbandoned(ctx, client)))
    log.warn('aedes internals changed: client registry guard not installed')
  aedes.on('client', () => metrics.connections.set(aedes.connectedClients))
  aedes.on('clientDisconnect', () => metrics.connections.set(aedes.connectedClients))
  aedes.on('clientError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'client error'))
  aedes.on('connectionError', (client, err) =>
    log.debug({ clientId: client?.id, err: err.message }, 'connection error'),
  )
}

/** Forgets old rate-limit and throttle entries, and samples the delivery backlog. */
function startSweeper(rt: BrokerRuntime): NodeJS.Timeout {
  const { ctx } = rt
  const sweeper = setInterval(() => {
    ctx.connectionRate.sweep()
    ctx.publishRate.sweep()
    ctx.loginThrottle.sweep()
    ctx.metrics.backlog.set(rt.backlog.length)
  }, 10_000)
  sweeper.unref()
  return sweeper
}

async function openEndpoints(rt: BrokerRuntime, aedes: Aedes): Promise<RunningBroker['ports']> {
  const { ctx } = rt
  rt.listeners = await startListeners(aedes, ctx)
  rt.metricsServer = await startMetricsServer(
    ctx.metrics,
    () => ({
      status: rt.stopping ? 'stopping' : 'ok',
      connections: aedes.connectedClients,
      persistence: rt.persistence.mode,
      overloaded: ctx.overload.paused,
    }),
    ctx.settings.metricsPort,
    ctx.settings.metricsHost,
  )
  return { ...rt.listeners.ports, metrics: rt.metricsServer.port }
}
