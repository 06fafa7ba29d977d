/**
 * Aedes 1.2 keeps one entry per client id (`aedes.clients`). Two of its rules go wrong when one
 * client id connects twice at once, which a reconnect storm makes common (a device gives up
 * waiting for its CONNACK while logins queue for the password check, and connects again):
 * - A connection whose peer had already left before it was registered (FIN during the login) was
 *   registered like any other, and registering takes the client id over (MQTT-3.1.4-2): the
 *   device's newer, live connection was closed for one nobody was on any more, and the device had
 *   to connect once more. Such a connection is closed here instead (hooks/authenticate.ts catches
 *   the ones whose peer left before the password check finished).
 * - A closing client removed the entry for its id even when the entry was another, newer
 *   client's: the count of connected clients went wrong and the live client left the map (a
 *   later takeover missed it). Only the registered client removes its entry here.
 */
import type { Aedes, Client } from 'aedes'
import { peerGone } from './context.js'

interface AedesRegistry {
  clients: Record<string, Client>
  registerClient(client: Client): void
  unregisterClient(client: Client): void
}

/** Installs both rules; false (and nothing changed) when Aedes' internals are not as expected. */
export function guardClientRegistry(aedes: Aedes, onAbandoned: (client: Client) => void): boolean {
  const broker = aedes as unknown as AedesRegistry
  const { registerClient, unregisterClient } = broker
  if (typeof registerClient !== 'function' || typeof unregisterClient !== 'function') return false
  broker.registerClient = (client) => {
    if (!peerGone(client)) return registerClient.call(broker, client)
    onAbandoned(client)
    client.close()
  }
  broker.unregisterClient = (client) => {
    if (broker.clients[client.id] === client) unregisterClient.call(broker, client)
  }
  return true
}
