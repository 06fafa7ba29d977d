/** The consumers' shapes: their settings, what their connections share, and one connection. */
import type { MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import type { Pipeline } from '../accept/pipeline.js'
import type { IngestConfig } from '../config.js'
import type { IngestMetrics } from '../metrics.js'
import type { Spool } from '../spool/spool.js'
import type { OrderedAcks } from './ordered-acks.js'

export type ConsumerOptions = Pick<
  IngestConfig,
  'mqttUrl' | 'mqttUsername' | 'mqttPassword' | 'mqttConnections' | 'mqttInflight' | 'boroughs' | 'instance'
>

/** A consumer connection reconnected without its session: messages for `boroughs` (empty: all) may be lost. */
export type SessionLostListener = (lost: { clientId: string; boroughs: string[] }) => void

/** What every consumer connection of one ingest shares. */
export interface ConsumerGroup {
  options: ConsumerOptions
  pipeline: Pipeline
  spool: Spool
  metrics: IngestMetrics
  logger: Logger
  /** Messages waiting for room in the spool. */
  waitingForSpool: number
  closing: boolean
  connections: Connection[]
  /** Told when a connection reconnects and finds its session gone (gap repair listens). */
  sessionLost: SessionLostListener[]
}

/** One consumer connection. */
export interface Connection {
  client: MqttClient
  clientId: string
  filters: string[]
  acks: OrderedAcks
  /**
   * The broker granted this connection's filters (SUBACK) since it last connected. Until then a
   * first-ever session has no subscription, and a reading published meanwhile is queued for no one.
   */
  subscribed: boolean
  log: Logger
  /** A message could not be stored: never acknowledge it; reconnect so the broker redelivers it. */
  fail(err: Error): void
}
