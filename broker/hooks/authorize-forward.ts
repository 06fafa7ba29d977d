/**
 * Per delivery (hot path). A device's downlink filter `.../{id}/+` also matches its own up
 * topics; echoing a device's readings back to it would double its traffic, so devices only
 * receive down channels (cmd, errors). Also counts deliveries.
 */
import { parseTopic } from '../../schemas/index.js'
import type { AuthorizeForwardHandler, BrokerContext } from '../context.js'

export function createAuthorizeForward(ctx: BrokerContext): AuthorizeForwardHandler {
  const { metrics } = ctx
  return (client, packet) => {
    if (ctx.sessions.get(client)?.account.role === 'device' && parseTopic(packet.topic)?.direction !== 'down') {
      return null
    }
    metrics.publishesOut.inc()
    return packet
  }
}
