/**
 * Before CONNECT is processed: the connection cap and the per-address connection rate. A refusal
 * is always an Error (the socket is destroyed); `callback(null, false)` would leave it open.
 * Also notes an empty client id with clean session off: MQTT-3.1.3-8 wants CONNACK 2 for it, but
 * Aedes 1.x gives such a client a random id and a persistent session nobody can resume. Only a
 * CONNACK from authenticate reaches the client, so the refusal happens there.
 */

import { StreetsenseError } from '../../core/index.js'
import { addressOf, type BrokerContext, type PreConnectHandler } from '../context.js'

export function createPreConnect(ctx: BrokerContext): PreConnectHandler {
  const { settings, metrics, log } = ctx
  return (client, packet, callback) => {
    const address = addressOf(ctx, client)
    if (!packet.clientId && packet.clean === false) ctx.emptyPersistentIds.add(client)
    if (ctx.connectedClients() >= settings.maxConnections) {
      metrics.refusals.inc({ reason: 'max_connections' })
      log.warn({ address, clientId: packet.clientId }, 'refused: too many connections')
      return callback(new StreetsenseError('IOT_BROKER_MAX_CONNECTIONS', 'too many connections'), false)
    }
    if (settings.connectionsPerMinutePerAddress > 0) {
      const recent = ctx.connectionRate.add(address)
      if (recent > settings.connectionsPerMinutePerAddress) {
        metrics.refusals.inc({ reason: 'connection_rate' })
        log.warn({ address, clientId: packet.clientId }, 'refused: connection rate per address exceeded')
        return callback(
          new StreetsenseError('IOT_BROKER_CONNECTION_RATE', 'too many connections from this address'),
          false,
        )
      }
    }
    callback(null, true)
  }
}
