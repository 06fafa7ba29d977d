/**
 * Per delivery (hot path). A device's downlink filter `.../{id}/+` also matches its own up
 * topics; echoing a device's readings back to it would double its traffic, so devices only
 * receive down channels (cmd, errors). Readings of sensors that are not open reach only reading
 * accounts with a right to them (reading-access.ts). Also counts deliveries.
 */
import { parseTopic } from '../../schemas/index.js'
import type { AuthorizeForwardHandler, BrokerContext } from '../context.js'
import { mayForward } from './reading-access.js'

export function createAuthorizeForward(ctx: BrokerContext): AuthorizeForwardHandler {
  const { metrics } = ctx
  return (client, packet) => {
    const session = ctx.sessions.get(client)
    if (session?.account.role === 'device' && parseTopic(packet.topic)?.direction !== 'down') {
      return null
    }
    if (!mayForward(ctx, session, packet.topic)) {
      metrics.refusals.inc({ reason: 'forward_acl' })
      return null
    }
    metrics.publishesOut.inc()
    return packet
  }
}
