/**
 * PUBLISH ACL, then the per-account rate and the overload guard.
 * - device: only its own up topics (streetsense/v1/{its borough}/{its id}/{air|traffic|status|result});
 *   nothing in `edge doctor`'s login check (client id `<id>@doctor`);
 * - ingest: devices' `errors` topics (within its boroughs, when it has any);
 * - reader: nothing. `$SYS/...` is refused to everyone (Aedes' default rule).
 * - `cmd` topics: operators, admins and (for gap repair) the ingest, as authorize-command.ts decides.
 * MQTT 3.1.1 cannot refuse one PUBLISH, so a violation closes the connection (Aedes does that
 * on an error); it is logged with the device id and counted.
 * Rate: an account over its publish rate is DELAYED, not dropped: the callback (and with it the
 * PUBACK and Aedes' reading of that socket) waits until its token bucket refills. The ingest's
 * service account is not rate-limited.
 * QoS 2 is refused from every client (connection closed) before Aedes stores anything: Aedes keeps
 * each QoS 2 packet in the session's incoming store until PUBREL, and its per-connection cap
 * starts afresh on every reconnect of a persistent session, so a client that never sends PUBREL
 * could grow the broker by up to 65,535 x the packet size per client id. Nothing here needs
 * QoS 2: devices, operators and the ingest publish QoS 1.
 */
import type { Client, PublishPacket } from 'aedes'
import { StreetsenseError } from '../../core/index.js'
import { parseTopic, type TopicParts } from '../../schemas/index.js'
import type { AuthorizePublishHandler, BrokerContext, Session } from '../context.js'
import { refuseCommand } from './authorize-command.js'

/** Accounts that may command some devices; anyone else's PUBLISH to a cmd topic is an ACL refusal. */
const COMMANDERS: readonly string[] = ['operator', 'admin', 'ingest']

function allowed(session: Session, parts: TopicParts | undefined): boolean {
  if (!parts) return false
  const { account } = session
  if (account.role === 'device') {
    if (session.loginCheck) return false
    return parts.direction === 'up' && parts.sensor === account.sensor && parts.borough === session.borough
  }
  if (account.role === 'ingest') {
    return parts.channel === 'errors' && (account.boroughs.length === 0 || account.boroughs.includes(parts.borough))
  }
  return false
}

/** A will of a client that died on another broker node (no session here): only its own up topic. */
function willAllowed(packet: PublishPacket & { clientId?: string }): boolean {
  const parts = parseTopic(packet.topic)
  return parts !== undefined && parts.direction === 'up' && parts.sensor === packet.clientId
}

export function createAuthorizePublish(ctx: BrokerContext): AuthorizePublishHandler {
  const { metrics, log, publishRate, overload } = ctx
  const deny = (client: Client | null, topic: string, sensor: string | undefined) => {
    metrics.refusals.inc({ reason: 'publish_acl' })
    log.warn({ sensor, clientId: client?.id, topic }, 'publish refused: topic not allowed')
    return new StreetsenseError('IOT_BROKER_PUBLISH_DENIED', `publish to ${topic} not allowed`)
  }

  const refuseQos2 = (client: Client, topic: string) => {
    metrics.refusals.inc({ reason: 'qos2_refused' })
    log.warn({ clientId: client.id, topic }, 'publish refused: QoS 2 is not accepted')
    return new StreetsenseError('IOT_BROKER_QOS2_REFUSED', 'QoS 2 publishes are not accepted; use QoS 1')
  }

  return (client, packet, callback) => {
    if (packet.topic.startsWith('$SYS/')) return callback(deny(client, packet.topic, client?.id))
    if (client && packet.qos === 2) return callback(refuseQos2(client, packet.topic))
    if (!client) return callback(willAllowed(packet) ? null : deny(null, packet.topic, undefined))
    const session = ctx.sessions.get(client)
    const parts = parseTopic(packet.topic)
    if (session && parts?.channel === 'cmd' && COMMANDERS.includes(session.account.role)) {
      const refused = refuseCommand(ctx, session, parts, packet)
      if (refused) return callback(refused)
    } else if (!session || !allowed(session, parts)) {
      return callback(deny(client, packet.topic, session?.account.sensor ?? client.id))
    }
    const go = () => {
      metrics.publishesIn.inc({ qos: String(packet.qos) })
      overload.admit(() => callback(null))
    }
    const wait = session.account.role === 'ingest' ? 0 : publishRate.take(session.account.username)
    if (wait === 0) return go()
    metrics.publishDelayed.inc()
    metrics.publishDelay.observe(wait / 1000)
    setTimeout(go, wait)
  }
}
