/**
 * Readings of sensors that are not open data reach only accounts with a right to them
 * (registry/access.ts: the one rule, here over the broker's cached AccessPolicy). Two places:
 * - every delivery to a reader, operator or admin account (authorizeForward), which is what
 *   stops a `+` wildcard subscription, a retained message or a queued offline message;
 * - a SUBSCRIBE naming one sensor the account may not read is refused (SUBACK 0x80), so the
 *   account learns at once instead of waiting for messages that never come.
 * Devices and the ingest keep their own rules (the topic ACL); other channels (a command's
 * `result`) stay with the subscribe ACL.
 */

import { READING_ROLES } from '../../registry/index.js'
import { DATA_CHANNELS, isSensorId, parseTopic, TOPIC_ROOT, TOPIC_VERSION } from '../../schemas/index.js'
import type { BrokerContext, Session } from '../context.js'

const DATA = DATA_CHANNELS as readonly string[]

const isReader = (session: Session | undefined): session is Session =>
  session !== undefined && READING_ROLES.includes(session.account.role)

/**
 * Whether a message on `topic` may be delivered to this session: readings (the data channels) by
 * the access rule; anything else the subscribe ACL has already decided.
 */
export function mayForward(ctx: BrokerContext, session: Session | undefined, topic: string): boolean {
  if (!isReader(session)) return session !== undefined
  const parts = parseTopic(topic)
  if (!parts || !DATA.includes(parts.channel)) return true
  return ctx.access.mayRead(parts.sensor, session.account)
}

/**
 * A borough-scoped reading account may subscribe to its own boroughs' readings (the subscribe
 * ACL); also to the readings of a borough that shares data with it under an agreement in force,
 * with '+' or one sensor in the sensor level. What arrives is still filtered per message.
 */
export function partnerFilterAllowed(ctx: BrokerContext, session: Session, filter: string): boolean {
  if (!isReader(session) || session.account.boroughs.length === 0) return false
  const [root, version, borough = '', sensor = '', channel = '', ...rest] = filter.split('/')
  if (root !== TOPIC_ROOT || version !== TOPIC_VERSION || rest.length > 0 || !DATA.includes(channel)) return false
  if (sensor !== '+' && !isSensorId(sensor)) return false
  return ctx.access.partnerOf(session.account).has(borough)
}

/** A reading account's filter naming one sensor (not '+') must name one it may read. */
export function maySubscribe(ctx: BrokerContext, session: Session, filter: string): boolean {
  if (!isReader(session)) return true
  const [root, version, , sensor] = filter.split('/')
  if (root !== TOPIC_ROOT || version !== TOPIC_VERSION || sensor === undefined || sensor === '+') return true
  return ctx.access.mayRead(sensor, session.account)
}
