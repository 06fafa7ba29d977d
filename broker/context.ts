/** What every hook of one broker shares: settings, registry, limits, metrics and per-client state. */
import type { Client } from 'aedes'
import type { Logger } from 'pino'
import type { TokenBuckets, WindowCounter } from '../core/index.js'
import type { Account, Registry } from '../registry/index.js'
import type { BrokerSettings } from './config.js'
import type { LoginThrottle } from './limits/login-throttle.js'
import type { OverloadGuard } from './limits/overload-guard.js'
import type { BrokerMetrics } from './metrics.js'

/** Who a connected client is, fixed at CONNECT. */
export interface Session {
  account: Account
  /** The device's borough (from its register entry), for the topic ACL. */
  borough?: string
  /** `edge doctor` checking a device's login (client id `<id>@doctor`): no publish, no subscribe. */
  loginCheck?: boolean
  address: string
}

export interface ConnectionInfo {
  address: string
  /** CN of a verified TLS client certificate. */
  certName?: string
}

export interface BrokerContext {
  settings: BrokerSettings
  registry: Registry
  log: Logger
  metrics: BrokerMetrics
  sessions: WeakMap<Client, Session>
  /** Clients whose CONNECT had an empty client id with clean session off (refused at authenticate). */
  emptyPersistentIds: WeakSet<Client>
  /** Where each accepted connection comes from (keyed by the stream handed to Aedes). */
  connections: WeakMap<object, ConnectionInfo>
  connectionRate: WindowCounter
  publishRate: TokenBuckets
  loginThrottle: LoginThrottle
  overload: OverloadGuard
  /** Aedes' count of connected clients. */
  connectedClients(): number
}

export function addressOf(ctx: BrokerContext, client: Client): string {
  return ctx.connections.get(client.conn as object)?.address ?? 'unknown'
}

/** Whether the client's peer has closed its side: a login it gave up waiting for (limits/packet-size-guard.ts). */
export function peerGone(client: Client): boolean {
  return (client.conn as { peerGone?: boolean } | undefined)?.peerGone === true
}

type Hooks = Required<import('aedes').AedesOptions>
export type PreConnectHandler = Hooks['preConnect']
export type AuthenticateHandler = Hooks['authenticate']
export type AuthorizePublishHandler = Hooks['authorizePublish']
export type AuthorizeSubscribeHandler = Hooks['authorizeSubscribe']
export type AuthorizeForwardHandler = Hooks['authorizeForward']
